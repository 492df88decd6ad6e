// QNetworkConfiguration on qns_configuration: every getter asks the live
// record, so all copies (and the C side) agree at all times.
#include "qnetworkconfiguration_p.h"

#include "cstring.h"

QT_BEGIN_NAMESPACE

QNetworkConfiguration QNetworkConfigurationPrivate::adopt(qns_configuration *owned)
{
    QNetworkConfiguration config;
    if (owned)
        config.d = new QNetworkConfigurationPrivate(owned);
    return config;
}

QNetworkConfiguration QNetworkConfigurationPrivate::fromLent(const qns_configuration *lent)
{
    return adopt(lent ? qns_configuration_clone(lent) : nullptr);
}

const qns_configuration *QNetworkConfigurationPrivate::handleOf(const QNetworkConfiguration &config)
{
    return config.d ? config.d->handle : nullptr;
}

QList<QNetworkConfiguration> QNetworkConfigurationPrivate::takeList(qns_configuration_list *list)
{
    QList<QNetworkConfiguration> result;
    const size_t size = qns_configuration_list_size(list);
    result.reserve(qsizetype(size));
    for (size_t i = 0; i < size; ++i)
        result.append(fromLent(qns_configuration_list_get(list, i)));
    qns_configuration_list_free(list);
    return result;
}

static const qns_configuration *handle(const QNetworkConfiguration &config)
{
    return QNetworkConfigurationPrivate::handleOf(config);
}

QNetworkConfiguration::QNetworkConfiguration() = default;
QNetworkConfiguration::QNetworkConfiguration(const QNetworkConfiguration &other) = default;
QNetworkConfiguration &QNetworkConfiguration::operator=(const QNetworkConfiguration &other) = default;
QNetworkConfiguration::~QNetworkConfiguration() = default;

bool QNetworkConfiguration::operator==(const QNetworkConfiguration &other) const
{
    const qns_configuration *a = handle(*this);
    const qns_configuration *b = handle(other);
    if (!a || !b)
        return a == b;
    return qns_configuration_equal(a, b);
}

QString QNetworkConfiguration::name() const
{
    const qns_configuration *h = handle(*this);
    return qnsqt6::readCString([h](char *buf, size_t len, size_t *needed) {
        return qns_configuration_name(h, buf, len, needed);
    });
}

QString QNetworkConfiguration::identifier() const
{
    const qns_configuration *h = handle(*this);
    return qnsqt6::readCString([h](char *buf, size_t len, size_t *needed) {
        return qns_configuration_identifier(h, buf, len, needed);
    });
}

QNetworkConfiguration::Type QNetworkConfiguration::type() const
{
    return Type(qns_configuration_type(handle(*this)));
}

QNetworkConfiguration::StateFlags QNetworkConfiguration::state() const
{
    return StateFlags(int(qns_configuration_state(handle(*this))));
}

QNetworkConfiguration::Purpose QNetworkConfiguration::purpose() const
{
    return Purpose(qns_configuration_purpose(handle(*this)));
}

QNetworkConfiguration::BearerType QNetworkConfiguration::bearerType() const
{
    return BearerType(qns_configuration_bearer_type(handle(*this)));
}

QNetworkConfiguration::BearerType QNetworkConfiguration::bearerTypeFamily() const
{
    return BearerType(qns_configuration_bearer_type_family(handle(*this)));
}

QString QNetworkConfiguration::bearerTypeName() const
{
    return QString::fromUtf8(qns_configuration_bearer_type_name(handle(*this)));
}

bool QNetworkConfiguration::isRoamingAvailable() const
{
    return qns_configuration_is_roaming_available(handle(*this));
}

QList<QNetworkConfiguration> QNetworkConfiguration::children() const
{
    qns_configuration_list *list = nullptr;
    if (qns_configuration_children(handle(*this), &list) != QNS_OK)
        return {};
    return QNetworkConfigurationPrivate::takeList(list);
}

bool QNetworkConfiguration::isValid() const
{
    return qns_configuration_is_valid(handle(*this));
}

int QNetworkConfiguration::connectTimeout() const
{
    return qns_configuration_connect_timeout(handle(*this));
}

bool QNetworkConfiguration::setConnectTimeout(int timeout)
{
    return qns_configuration_set_connect_timeout(handle(*this), timeout);
}

QT_END_NAMESPACE
