// The shared part of a QNetworkConfiguration: one reference to a C record.
#ifndef QNETWORKSESSIONQT6_QNETWORKCONFIGURATION_P_H
#define QNETWORKSESSIONQT6_QNETWORKCONFIGURATION_P_H

#include "QtNetwork/qnetworkconfiguration.h"

#include <qnetworksession.h>

QT_BEGIN_NAMESPACE

class QNetworkConfigurationPrivate : public QSharedData
{
public:
    // Takes over one reference (NULL: the null configuration).
    explicit QNetworkConfigurationPrivate(qns_configuration *owned) : handle(owned) { }
    ~QNetworkConfigurationPrivate() { qns_configuration_free(handle); }
    Q_DISABLE_COPY_MOVE(QNetworkConfigurationPrivate)

    // A configuration owning `owned` (NULL gives the null configuration).
    static QNetworkConfiguration adopt(qns_configuration *owned);
    // A configuration with a new reference to a handle lent by the C library.
    static QNetworkConfiguration fromLent(const qns_configuration *lent);
    // The C handle of a configuration (NULL for the null one); lent.
    static const qns_configuration *handleOf(const QNetworkConfiguration &config);
    // Every entry of a C list, each with its own reference; frees the list.
    static QList<QNetworkConfiguration> takeList(qns_configuration_list *list);

    qns_configuration *const handle;
};

QT_END_NAMESPACE

#endif
