// QNetworkConfigurationManager on qns_manager: one C manager per object,
// created on the loop of the object's thread, whose callbacks emit the Qt
// signals there.
#include "QtNetwork/qnetworkconfigmanager.h"

#include "loopbinding.h"
#include "qnetworkconfiguration_p.h"
#include "setloop.h"

#include <QtCore/qdebug.h>

QT_BEGIN_NAMESPACE

class QNetworkConfigurationManagerData
{
public:
    explicit QNetworkConfigurationManagerData(QNetworkConfigurationManager *q);
    ~QNetworkConfigurationManagerData();

    // The C object, created lazily: a NULL one answers every query as the
    // null manager (no configurations, offline).
    const qns_manager *manager() const { return m_manager; }
    void settle() { binding.settle(q, m_manager, &qnsqt6::setManagerLoop); }

    QNetworkConfigurationManager *const q;
    qnsqt6::LoopBinding binding;

private:
    void connectSignals();

    static void onAdded(void *self, qns_manager *, const qns_configuration *c)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->configurationAdded(
            QNetworkConfigurationPrivate::fromLent(c));
    }
    static void onRemoved(void *self, qns_manager *, const qns_configuration *c)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->configurationRemoved(
            QNetworkConfigurationPrivate::fromLent(c));
    }
    static void onChanged(void *self, qns_manager *, const qns_configuration *c)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->configurationChanged(
            QNetworkConfigurationPrivate::fromLent(c));
    }
    static void onOnline(void *self, qns_manager *, bool online)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->onlineStateChanged(online);
    }
    static void onUpdated(void *self, qns_manager *)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->updateCompleted();
    }
    static void onReachability(void *self, qns_manager *, int value)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->reachabilityChanged(
            QNetworkConfigurationManager::Reachability(value));
    }
    static void onCaptivePortal(void *self, qns_manager *, bool value)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->isBehindCaptivePortalChanged(value);
    }
    static void onTransport(void *self, qns_manager *, int value)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->transportMediumChanged(
            QNetworkConfigurationManager::TransportMedium(value));
    }
    static void onMetered(void *self, qns_manager *, bool value)
    {
        emit static_cast<QNetworkConfigurationManager *>(self)->isMeteredChanged(value);
    }

    qns_manager *m_manager = nullptr;
};

QNetworkConfigurationManagerData::QNetworkConfigurationManagerData(QNetworkConfigurationManager *q)
    : q(q)
{
    const qns_status status = qns_manager_new(binding.loop(), &m_manager);
    if (status != QNS_OK) {
        qWarning("QNetworkConfigurationManager: the network library did not start: %s",
                 qns_status_str(status));
        m_manager = nullptr;
        return;
    }
    connectSignals();
}

QNetworkConfigurationManagerData::~QNetworkConfigurationManagerData()
{
    // Returns once no callback of this manager runs anywhere, and none starts.
    qns_manager_free(m_manager);
}

void QNetworkConfigurationManagerData::connectSignals()
{
    // The C connections end with the C manager, so `q` needs no destroy hook.
    qns_manager_on_configuration_added(m_manager, &onAdded, q, nullptr, nullptr);
    qns_manager_on_configuration_removed(m_manager, &onRemoved, q, nullptr, nullptr);
    qns_manager_on_configuration_changed(m_manager, &onChanged, q, nullptr, nullptr);
    qns_manager_on_online_state_changed(m_manager, &onOnline, q, nullptr, nullptr);
    qns_manager_on_update_completed(m_manager, &onUpdated, q, nullptr, nullptr);
    qns_manager_on_reachability_changed(m_manager, &onReachability, q, nullptr, nullptr);
    qns_manager_on_captive_portal_changed(m_manager, &onCaptivePortal, q, nullptr, nullptr);
    qns_manager_on_transport_medium_changed(m_manager, &onTransport, q, nullptr, nullptr);
    qns_manager_on_metered_changed(m_manager, &onMetered, q, nullptr, nullptr);
}

QNetworkConfigurationManager::QNetworkConfigurationManager(QObject *parent)
    : QObject(parent)
{
    // As Qt 5: configurations travel through queued connections and QVariant.
    qRegisterMetaType<QNetworkConfiguration>();
    qRegisterMetaType<QNetworkConfiguration>("QNetworkConfiguration");
    qRegisterMetaType<QNetworkConfigurationManager::Reachability>();
    qRegisterMetaType<QNetworkConfigurationManager::TransportMedium>();
    d = new QNetworkConfigurationManagerData(this);
}

QNetworkConfigurationManager::~QNetworkConfigurationManager()
{
    delete d;
}

QNetworkConfigurationManager::Capabilities QNetworkConfigurationManager::capabilities() const
{
    d->settle();
    return Capabilities(int(qns_manager_capabilities(d->manager())));
}

QNetworkConfiguration QNetworkConfigurationManager::defaultConfiguration() const
{
    d->settle();
    qns_configuration *config = nullptr;
    if (qns_manager_default_configuration(d->manager(), &config) != QNS_OK)
        return QNetworkConfiguration();
    return QNetworkConfigurationPrivate::adopt(config);
}

QList<QNetworkConfiguration>
QNetworkConfigurationManager::allConfigurations(QNetworkConfiguration::StateFlags flags) const
{
    d->settle();
    qns_configuration_list *list = nullptr;
    if (qns_manager_all_configurations(d->manager(), unsigned(flags.toInt()), &list) != QNS_OK)
        return {};
    return QNetworkConfigurationPrivate::takeList(list);
}

QNetworkConfiguration
QNetworkConfigurationManager::configurationFromIdentifier(const QString &identifier) const
{
    d->settle();
    qns_configuration *config = nullptr;
    const QByteArray id = identifier.toUtf8();
    if (qns_manager_configuration_from_identifier(d->manager(), id.constData(), &config) != QNS_OK)
        return QNetworkConfiguration();
    return QNetworkConfigurationPrivate::adopt(config);
}

bool QNetworkConfigurationManager::isOnline() const
{
    d->settle();
    return qns_manager_is_online(d->manager());
}

QNetworkConfigurationManager::Reachability QNetworkConfigurationManager::reachability() const
{
    d->settle();
    return Reachability(qns_manager_reachability(d->manager()));
}

bool QNetworkConfigurationManager::isBehindCaptivePortal() const
{
    d->settle();
    return qns_manager_is_behind_captive_portal(d->manager());
}

QNetworkConfigurationManager::TransportMedium QNetworkConfigurationManager::transportMedium() const
{
    d->settle();
    return TransportMedium(qns_manager_transport_medium(d->manager()));
}

bool QNetworkConfigurationManager::isMetered() const
{
    d->settle();
    return qns_manager_is_metered(d->manager());
}

bool QNetworkConfigurationManager::setConnectivityCheck(const QString &url,
                                                        const QByteArray &expectedBody)
{
    d->settle();
    const QByteArray u = url.toUtf8();
    // NULL body: an empty one (the C library's convention for 200 answers).
    return qns_manager_set_connectivity_check(d->manager(), u.constData(),
                                              expectedBody.isEmpty() ? nullptr
                                                                     : expectedBody.constData())
        == QNS_OK;
}

void QNetworkConfigurationManager::updateConfigurations()
{
    d->settle();
    qns_manager_update_configurations(d->manager());
}

bool QNetworkConfigurationManager::event(QEvent *e)
{
    if (d->binding.handleEvent(this, e, d->manager(),
                               &qnsqt6::setManagerLoop))
        return true;
    return QObject::event(e);
}

QT_END_NAMESPACE
