// QNetworkSession on qns_session: one C session per object, on the loop of
// the object's thread. The C callbacks emit the Qt signals in that thread,
// in the C library's order (opened/closed, then stateChanged, then error).
#include "QtNetwork/qnetworksession.h"
#include "private/qnetworksession_p.h"

#include "cstring.h"
#include "loopbinding.h"
#include "qnetworkconfiguration_p.h"
#include "setloop.h"

#include <QtCore/qeventloop.h>
#include <QtCore/qmetaobject.h>
#include <QtCore/qmutex.h>
#include <QtCore/qthread.h>
#include <QtCore/qtimer.h>

#include <limits>

QT_BEGIN_NAMESPACE

class QNetworkSessionData
{
public:
    QNetworkSessionData(QNetworkSession *q, const QNetworkConfiguration &config);
    ~QNetworkSessionData();

    void settle() { binding.settle(q, m_session, &qnsqt6::setSessionLoop); }
    const qns_session *session() const { return m_session; }

    // Application-level roaming while preferredConfigurationChanged has receivers.
    void preferredReceiverAdded();
    void preferredReceiverRemoved(bool wildcard);
    void recountPreferredReceivers();
    QNetworkSession::UsagePolicies usagePolicies() const;
    void overrideUsagePolicies(QNetworkSession::UsagePolicies policies);

    QNetworkSession *const q;
    const QNetworkConfiguration configuration;
    qnsqt6::LoopBinding binding;

private:
    static QNetworkSession *owner(void *self) { return static_cast<QNetworkSession *>(self); }
    static void onState(void *self, qns_session *, int state)
    {
        emit owner(self)->stateChanged(QNetworkSession::State(state));
    }
    static void onOpened(void *self, qns_session *) { emit owner(self)->opened(); }
    static void onClosed(void *self, qns_session *) { emit owner(self)->closed(); }
    static void onError(void *self, qns_session *, int error)
    {
        emit owner(self)->error(QNetworkSession::SessionError(error));
    }
    static void onPreferred(void *self, qns_session *, const qns_configuration *c, bool seamless)
    {
        emit owner(self)->preferredConfigurationChanged(QNetworkConfigurationPrivate::fromLent(c),
                                                        seamless);
    }
    static void onNewConfiguration(void *self, qns_session *)
    {
        emit owner(self)->newConfigurationActivated();
    }
    static void onUsage(void *self, qns_session *, unsigned int policies)
    {
        QNetworkSession *q = owner(self);
        {
            QMutexLocker lock(&q->d->m_policyMutex);
            q->d->m_policyOverridden = false;
        }
        emit q->usagePoliciesChanged(QNetworkSession::UsagePolicies(int(policies)));
    }

    qns_session *m_session = nullptr;

    void setApplicationRoaming(bool on);

    QMutex m_roamingMutex; // connectNotify may run in any thread
    int m_preferredReceivers = 0;
    uint64_t m_preferredToken = 0;

    mutable QMutex m_policyMutex;
    bool m_policyOverridden = false;
    QNetworkSession::UsagePolicies m_overriddenPolicies;
};

QNetworkSessionData::QNetworkSessionData(QNetworkSession *q, const QNetworkConfiguration &config)
    : q(q), configuration(config)
{
    const qns_status status =
        qns_session_new(QNetworkConfigurationPrivate::handleOf(config), binding.loop(), &m_session);
    if (status != QNS_OK) {
        qWarning("QNetworkSession: the network library did not start: %s", qns_status_str(status));
        m_session = nullptr;
        return;
    }
    // The connections end with the C session, before `q` goes.
    qns_session_on_state_changed(m_session, &onState, q, nullptr, nullptr);
    qns_session_on_opened(m_session, &onOpened, q, nullptr, nullptr);
    qns_session_on_closed(m_session, &onClosed, q, nullptr, nullptr);
    qns_session_on_error(m_session, &onError, q, nullptr, nullptr);
    qns_session_on_new_configuration_activated(m_session, &onNewConfiguration, q, nullptr,
                                               nullptr);
    qns_session_on_usage_policies_changed(m_session, &onUsage, q, nullptr, nullptr);
}

QNetworkSessionData::~QNetworkSessionData()
{
    // Returns once no callback of this session runs anywhere, and none starts.
    qns_session_free(m_session);
}

void QNetworkSessionData::setApplicationRoaming(bool on)
{
    // The C library runs application-level roaming exactly while a
    // preferredConfigurationChanged callback is registered. Called with
    // m_roamingMutex held.
    if (on && m_preferredToken == 0 && m_session) {
        uint64_t token = 0;
        if (qns_session_on_preferred_configuration_changed(m_session, &onPreferred, q, nullptr,
                                                           &token)
            == QNS_OK)
            m_preferredToken = token;
    } else if (!on && m_preferredToken != 0) {
        qns_disconnect(m_preferredToken);
        m_preferredToken = 0;
    }
}

void QNetworkSessionData::preferredReceiverAdded()
{
    QMutexLocker lock(&m_roamingMutex);
    ++m_preferredReceivers;
    setApplicationRoaming(true);
}

void QNetworkSessionData::preferredReceiverRemoved(bool wildcard)
{
    QMutexLocker lock(&m_roamingMutex);
    if (m_preferredReceivers > 0)
        --m_preferredReceivers;
    if (m_preferredReceivers == 0) {
        setApplicationRoaming(false);
        return;
    }
    // Receivers are left by the count, but one disconnect (a wildcard one,
    // or one by signal and receiver) may have removed several at once.
    Q_UNUSED(wildcard);
    QMetaObject::invokeMethod(q, [this] { recountPreferredReceivers(); }, Qt::QueuedConnection);
}

void QNetworkSessionData::recountPreferredReceivers()
{
    const bool connected = q->isSignalConnected(
        QMetaMethod::fromSignal(&QNetworkSession::preferredConfigurationChanged));
    QMutexLocker lock(&m_roamingMutex);
    if (!connected) {
        m_preferredReceivers = 0;
        setApplicationRoaming(false);
    }
}

QNetworkSession::UsagePolicies QNetworkSessionData::usagePolicies() const
{
    QMutexLocker lock(&m_policyMutex);
    if (m_policyOverridden)
        return m_overriddenPolicies;
    lock.unlock();
    return QNetworkSession::UsagePolicies(int(qns_session_usage_policies(m_session)));
}

void QNetworkSessionData::overrideUsagePolicies(QNetworkSession::UsagePolicies policies)
{
    const QNetworkSession::UsagePolicies before = usagePolicies();
    {
        QMutexLocker lock(&m_policyMutex);
        m_policyOverridden = true;
        m_overriddenPolicies = policies;
    }
    if (before != policies)
        emit q->usagePoliciesChanged(policies);
}

void QNetworkSessionPrivate::setUsagePolicies(QNetworkSession &session,
                                              QNetworkSession::UsagePolicies policies)
{
    session.d->overrideUsagePolicies(policies);
}

QNetworkSession::QNetworkSession(const QNetworkConfiguration &connConfig, QObject *parent)
    : QObject(parent)
{
    // As Qt 5: the signal arguments travel through queued connections and QVariant.
    qRegisterMetaType<QNetworkSession::State>();
    qRegisterMetaType<QNetworkSession::SessionError>();
    qRegisterMetaType<QNetworkSession::UsagePolicies>();
    qRegisterMetaType<QNetworkConfiguration>();
    d = new QNetworkSessionData(this, connConfig);
}

QNetworkSession::~QNetworkSession()
{
    delete d;
}

void QNetworkSession::open()
{
    d->settle();
    qns_session_open(d->session());
}

void QNetworkSession::close()
{
    d->settle();
    qns_session_close(d->session());
}

void QNetworkSession::stop()
{
    d->settle();
    qns_session_stop(d->session());
}

void QNetworkSession::migrate()
{
    d->settle();
    qns_session_migrate(d->session());
}

void QNetworkSession::ignore()
{
    d->settle();
    qns_session_ignore(d->session());
}

void QNetworkSession::accept()
{
    d->settle();
    qns_session_accept(d->session());
}

void QNetworkSession::reject()
{
    d->settle();
    qns_session_reject(d->session());
}

bool QNetworkSession::waitForOpened(int msecs)
{
    d->settle();
    const qns_session *s = d->session();
    if (QThread::currentThread() != thread() || !d->binding.threadLoop()) {
        // Not the session's thread (its own thread delivers), or a thread
        // without a Qt event loop: the C library waits.
        return qns_session_wait_for_opened(s, msecs);
    }
    if (!qns_session_is_open(s) && qns_session_state(s) == QNetworkSession::Connecting) {
        // As Qt 5: a local event loop, so timers and other events keep
        // running; our loop's notifier delivers the session's signals.
        QEventLoop loop;
        const auto quit = [&loop] { loop.quit(); };
        connect(this, &QNetworkSession::opened, &loop, quit);
        connect(this, &QNetworkSession::closed, &loop, quit);
        connect(this, qOverload<QNetworkSession::SessionError>(&QNetworkSession::error), &loop,
                quit);
        connect(this, &QNetworkSession::stateChanged, &loop, [&loop, s] {
            if (qns_session_state(s) != QNetworkSession::Connecting)
                loop.quit();
        });
        if (msecs >= 0)
            QTimer::singleShot(msecs, &loop, quit);
        // The attempt may have ended between the check and here.
        if (qns_session_state(s) == QNetworkSession::Connecting)
            loop.exec(QEventLoop::ExcludeUserInputEvents | QEventLoop::WaitForMoreEvents);
    }
    // The signals of the change that decided the wait come before we return
    // (an open() that failed at once has its error() delivered here).
    d->binding.dispatchPending();
    return qns_session_is_open(s);
}

bool QNetworkSession::isOpen() const
{
    d->settle();
    return qns_session_is_open(d->session());
}

QNetworkConfiguration QNetworkSession::configuration() const
{
    return d->configuration;
}

#ifndef QT_NO_NETWORKINTERFACE
QNetworkInterface QNetworkSession::interface() const
{
    d->settle();
    qns_interface *iface = nullptr;
    if (qns_session_interface(d->session(), &iface) != QNS_OK || !iface)
        return QNetworkInterface();
    const int index = qns_interface_index(iface);
    const QString name = qnsqt6::readCString([iface](char *buf, size_t len, size_t *needed) {
        return qns_interface_name(iface, buf, len, needed);
    });
    qns_interface_free(iface);
    // Qt 6 builds a QNetworkInterface only from the system's own list, so
    // the session's interface is looked up there, by index, then by name.
    QNetworkInterface found = QNetworkInterface::interfaceFromIndex(index);
    if (found.isValid() && found.name() == name)
        return found;
    return QNetworkInterface::interfaceFromName(name);
}
#endif

QNetworkSession::State QNetworkSession::state() const
{
    d->settle();
    return State(qns_session_state(d->session()));
}

QNetworkSession::SessionError QNetworkSession::error() const
{
    return SessionError(qns_session_error(d->session()));
}

QString QNetworkSession::errorString() const
{
    return QString::fromUtf8(qns_session_error_string(d->session()));
}

QVariant QNetworkSession::sessionProperty(const QString &key) const
{
    const qns_session *s = d->session();
    const QByteArray k = key.toUtf8();
    switch (qns_session_property_type(s, k.constData())) {
    case QNS_PROPERTY_BOOL: {
        bool value = false;
        if (qns_session_property_bool(s, k.constData(), &value) == QNS_OK)
            return QVariant(value);
        break;
    }
    case QNS_PROPERTY_INT: {
        int64_t value = 0;
        if (qns_session_property_int(s, k.constData(), &value) != QNS_OK)
            break;
        // Qt 5 gave AutoCloseSessionTimeout as an int.
        if (value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max())
            return QVariant(int(value));
        return QVariant(qlonglong(value));
    }
    case QNS_PROPERTY_STRING:
        return qnsqt6::readCString([s, &k](char *buf, size_t len, size_t *needed) {
            return qns_session_property_string(s, k.constData(), buf, len, needed);
        });
    default:
        break;
    }
    return QVariant();
}

void QNetworkSession::setSessionProperty(const QString &key, const QVariant &value)
{
    const qns_session *s = d->session();
    const QByteArray k = key.toUtf8();
    if (!value.isValid()) {
        qns_session_clear_property(s, k.constData());
        return;
    }
    // Read-only and unknown keys are ignored, as in Qt 5. A value of the
    // other kind is converted the way QVariant converts it.
    const int type = value.metaType().id();
    qns_status status;
    if (type == QMetaType::Bool)
        status = qns_session_set_property_bool(s, k.constData(), value.toBool());
    else
        status = QNS_ERR_WRONG_TYPE;
    if (status == QNS_ERR_WRONG_TYPE) {
        bool isNumber = false;
        const qlonglong number = value.toLongLong(&isNumber);
        if (isNumber)
            status = qns_session_set_property_int(s, k.constData(), number);
    }
    if (status == QNS_ERR_WRONG_TYPE && value.canConvert<bool>())
        qns_session_set_property_bool(s, k.constData(), value.toBool());
}

quint64 QNetworkSession::bytesWritten() const
{
    return qns_session_bytes_written(d->session());
}

quint64 QNetworkSession::bytesReceived() const
{
    return qns_session_bytes_received(d->session());
}

quint64 QNetworkSession::activeTime() const
{
    return qns_session_active_time(d->session());
}

QNetworkSession::UsagePolicies QNetworkSession::usagePolicies() const
{
    return d->usagePolicies();
}

// Qt calls these with an internal lock held (no isSignalConnected() here),
// possibly in another thread. The receivers are counted; a disconnect that
// may have removed several at once (a wildcard one) is checked again from
// the event loop, where isSignalConnected() may be asked.
void QNetworkSession::connectNotify(const QMetaMethod &signal)
{
    QObject::connectNotify(signal);
    if (signal == QMetaMethod::fromSignal(&QNetworkSession::preferredConfigurationChanged))
        d->preferredReceiverAdded();
}

void QNetworkSession::disconnectNotify(const QMetaMethod &signal)
{
    QObject::disconnectNotify(signal);
    const QMetaMethod preferred =
        QMetaMethod::fromSignal(&QNetworkSession::preferredConfigurationChanged);
    if (signal == preferred || !signal.isValid())
        d->preferredReceiverRemoved(!signal.isValid());
}

bool QNetworkSession::event(QEvent *e)
{
    if (d->binding.handleEvent(this, e, d->session(), &qnsqt6::setSessionLoop))
        return true;
    return QObject::event(e);
}

QT_END_NAMESPACE
