#include "threadloop.h"

#include <QtCore/qabstracteventdispatcher.h>
#include <QtCore/qcoreapplication.h>
#include <QtCore/qhash.h>
#include <QtCore/qmutex.h>
#include <QtCore/qsocketnotifier.h>
#include <QtCore/qthread.h>

namespace qnsqt6 {

namespace {

// Loops by thread. A loop lives while objects of its thread use it, so a
// thread that no longer has bearer objects has no loop and no notifier.
struct Registry
{
    QMutex mutex;
    QHash<QThread *, ThreadLoop *> loops;
};

Registry &registry()
{
    // Never destroyed: objects with static lifetime may outlive every
    // other static of the process.
    static Registry *instance = new Registry;
    return *instance;
}

// Objects made before QCoreApplication (a static manager, say) have a loop
// that no dispatcher could watch yet: QCoreApplication's constructor calls
// this, in the main thread, once it has one.
void watchLoopsOfThisThread()
{
    Registry &reg = registry();
    QMutexLocker lock(&reg.mutex); // a release() elsewhere must not free it meanwhile
    if (ThreadLoop *tl = reg.loops.value(QThread::currentThread()))
        tl->ensureWatched();
}

} // namespace

ThreadLoop *ThreadLoop::acquireForCurrentThread()
{
    QThread *thread = QThread::currentThread();
    Registry &reg = registry();
    QMutexLocker lock(&reg.mutex);
    ThreadLoop *tl = reg.loops.value(thread);
    if (!tl) {
        qns_loop *lp = nullptr;
        if (qns_loop_new(&lp) != QNS_OK)
            return nullptr;
        tl = new ThreadLoop(thread, lp);
        reg.loops.insert(thread, tl);
    }
    ++tl->m_refs;
    lock.unlock();
    tl->ensureWatched();
    if (!tl->m_notifier && !QCoreApplication::instance()) {
        static const bool once = [] {
            qAddPreRoutine(&watchLoopsOfThisThread);
            return true;
        }();
        Q_UNUSED(once);
    }
    return tl;
}

const qns_loop *ThreadLoop::parkingLoop()
{
    static qns_loop *const parking = [] {
        qns_loop *lp = nullptr;
        qns_loop_new(&lp);
        return lp;
    }();
    return parking;
}

void ThreadLoop::release()
{
    Registry &reg = registry();
    {
        QMutexLocker lock(&reg.mutex);
        if (--m_refs > 0)
            return;
        reg.loops.remove(m_thread);
    }
    // The notifier belongs to its thread's dispatcher: delete it there
    // when the last object goes from another thread.
    if (QThread::currentThread() == m_thread || !m_notifier)
        delete this;
    else
        deleteLater();
}

ThreadLoop::ThreadLoop(QThread *thread, qns_loop *loop) : m_thread(thread), m_loop(loop) { }

ThreadLoop::~ThreadLoop()
{
    delete m_notifier;
    // Objects still bound to the loop keep the C loop alive; it is only
    // the application's reference that goes here.
    qns_loop_free(m_loop);
}

void ThreadLoop::ensureWatched()
{
    if (m_notifier || QThread::currentThread() != m_thread
        || !QAbstractEventDispatcher::instance(m_thread))
        return;
    m_notifier = new QSocketNotifier(qns_loop_fd(m_loop), QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, &ThreadLoop::dispatchPending);
}

void ThreadLoop::dispatchPending()
{
    qns_loop_dispatch(m_loop, 0, nullptr);
}

} // namespace qnsqt6
