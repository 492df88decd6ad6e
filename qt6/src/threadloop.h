// One qns_loop per Qt thread that owns bearer objects, dispatched by a
// QSocketNotifier on the loop's fd in that thread: so every C callback, and
// the Qt signal it emits, runs in the thread the emitting QObject lives in.
#ifndef QNETWORKSESSIONQT6_THREADLOOP_H
#define QNETWORKSESSIONQT6_THREADLOOP_H

#include <QtCore/qobject.h>

#include <qnetworksession.h>

QT_BEGIN_NAMESPACE
class QSocketNotifier;
class QThread;
QT_END_NAMESPACE

namespace qnsqt6 {

class ThreadLoop : public QObject
{
    Q_OBJECT

public:
    // The loop of the calling thread, created on first use; one reference
    // for the caller, given back with release(). NULL if no loop can be made.
    static ThreadLoop *acquireForCurrentThread();
    // A loop nobody dispatches: deliveries of an object wait there, in
    // order, while the object moves between threads.
    static const qns_loop *parkingLoop();

    void release();
    const qns_loop *loop() const { return m_loop; }

    // Watches the fd once the thread has a Qt event dispatcher (the main
    // thread gets one with QCoreApplication). Called on the loop's thread.
    void ensureWatched();
    // Delivers what is pending now, on the loop's thread.
    void dispatchPending();

private:
    ThreadLoop(QThread *thread, qns_loop *loop);
    ~ThreadLoop() override;

    QThread *const m_thread;
    qns_loop *const m_loop;
    QSocketNotifier *m_notifier = nullptr;
    int m_refs = 0; // guarded by the registry's mutex
};

} // namespace qnsqt6

#endif
