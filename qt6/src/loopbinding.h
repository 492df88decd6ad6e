// Which loop a bearer QObject's C object delivers to, following the
// QObject's thread: on QEvent::ThreadChange (sent in the old thread) the
// deliveries are parked on a loop nobody dispatches; a posted event, which
// Qt hands to the new thread, binds them to the new thread's loop. Pending
// deliveries move along in order both times (qns_*_set_loop).
#ifndef QNETWORKSESSIONQT6_LOOPBINDING_H
#define QNETWORKSESSIONQT6_LOOPBINDING_H

#include <QtCore/qcoreevent.h>
#include <QtCore/qobject.h>

#include <qnetworksession.h>

namespace qnsqt6 {

class ThreadLoop;

class LoopBinding
{
public:
    // Rebinds the C object to a loop: qns_manager_set_loop/qns_session_set_loop.
    using SetLoop = qns_status (*)(const void *cObject, const qns_loop *lp);

    // Bound to the loop of the calling thread (the QObject's thread).
    LoopBinding();
    ~LoopBinding();
    Q_DISABLE_COPY_MOVE(LoopBinding)

    // The loop to create the C object on.
    const qns_loop *loop() const;

    // For the QObject's event(): true when the event was ours.
    bool handleEvent(QObject *owner, QEvent *e, const void *cObject, SetLoop setLoop);

    // On the owner's thread: finish a move that is still parked, watch the
    // loop fd if the thread has just got an event dispatcher.
    void settle(QObject *owner, const void *cObject, SetLoop setLoop);
    // Delivers what is pending on the owner's thread loop now.
    void dispatchPending();
    // The thread loop, NULL while parked.
    ThreadLoop *threadLoop() const { return m_threadLoop; }

    static QEvent::Type rebindEventType();

private:
    ThreadLoop *m_threadLoop;
};

} // namespace qnsqt6

#endif
