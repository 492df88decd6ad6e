#include "loopbinding.h"

#include "threadloop.h"

#include <QtCore/qcoreapplication.h>
#include <QtCore/qthread.h>

namespace qnsqt6 {

LoopBinding::LoopBinding() : m_threadLoop(ThreadLoop::acquireForCurrentThread()) { }

LoopBinding::~LoopBinding()
{
    if (m_threadLoop)
        m_threadLoop->release();
}

const qns_loop *LoopBinding::loop() const
{
    return m_threadLoop ? m_threadLoop->loop() : ThreadLoop::parkingLoop();
}

QEvent::Type LoopBinding::rebindEventType()
{
    static const QEvent::Type type = QEvent::Type(QEvent::registerEventType());
    return type;
}

bool LoopBinding::handleEvent(QObject *owner, QEvent *e, const void *cObject, SetLoop setLoop)
{
    if (e->type() == QEvent::ThreadChange) {
        // Still in the old thread; the new one is not known yet.
        setLoop(cObject, ThreadLoop::parkingLoop());
        if (m_threadLoop) {
            m_threadLoop->release();
            m_threadLoop = nullptr;
        }
        QCoreApplication::postEvent(owner, new QEvent(rebindEventType()));
        return false; // QObject subclasses may want to see it too
    }
    if (e->type() == rebindEventType()) {
        settle(owner, cObject, setLoop);
        return true;
    }
    return false;
}

void LoopBinding::settle(QObject *owner, const void *cObject, SetLoop setLoop)
{
    if (QThread::currentThread() != owner->thread())
        return;
    if (!m_threadLoop) {
        m_threadLoop = ThreadLoop::acquireForCurrentThread();
        if (m_threadLoop)
            setLoop(cObject, m_threadLoop->loop());
    }
    if (m_threadLoop)
        m_threadLoop->ensureWatched();
}

void LoopBinding::dispatchPending()
{
    if (m_threadLoop)
        m_threadLoop->dispatchPending();
}

} // namespace qnsqt6
