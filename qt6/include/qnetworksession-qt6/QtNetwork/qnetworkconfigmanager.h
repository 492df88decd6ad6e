/*
 * QNetworkConfigurationManager for Qt 6 (libQNetworkSessionQt6): Qt 5.15's
 * API, implemented on libqnetworksession. Every manager is a view on one
 * process-wide set of configurations; its signals are emitted in the
 * manager's thread.
 */
#ifndef QNETWORKSESSIONQT6_QNETWORKCONFIGMANAGER_H
#define QNETWORKSESSIONQT6_QNETWORKCONFIGMANAGER_H

#include "qnetworksessionqt6global.h"
#include "qnetworkconfiguration.h"

#include <QtCore/qobject.h>

// The declarations use the (optionally deprecated) classes themselves.
QT_WARNING_PUSH
QT_WARNING_DISABLE_DEPRECATED

QT_BEGIN_NAMESPACE

class QNetworkConfigurationManagerData;

class QT_DEPRECATED_BEARER_MANAGEMENT QNETWORKSESSIONQT6_EXPORT QNetworkConfigurationManager
    : public QObject
{
    Q_OBJECT

public:
    enum Capability {
        CanStartAndStopInterfaces = 0x00000001,
        DirectConnectionRouting = 0x00000002,
        SystemSessionSupport = 0x00000004,
        ApplicationLevelRoaming = 0x00000008,
        ForcedRoaming = 0x00000010,
        DataStatistics = 0x00000020,
        NetworkSessionRequired = 0x00000040
    };
    Q_DECLARE_FLAGS(Capabilities, Capability)

    explicit QNetworkConfigurationManager(QObject *parent = nullptr);
    virtual ~QNetworkConfigurationManager();

    QNetworkConfigurationManager::Capabilities capabilities() const;

    QNetworkConfiguration defaultConfiguration() const;
    QList<QNetworkConfiguration> allConfigurations(
        QNetworkConfiguration::StateFlags flags = QNetworkConfiguration::StateFlags()) const;
    QNetworkConfiguration configurationFromIdentifier(const QString &identifier) const;

    bool isOnline() const;

    // --- Beyond Qt 5 (libQNetworkSessionQt6's own members) -------------------
    // What Qt 6's QNetworkInformation reports, with its names and numbers,
    // from the same backend as the configurations (SPEC §8). Code can test
    // for them with #ifdef QNETWORKSESSIONQT6_HAS_REACHABILITY.
    enum class Reachability { Unknown = 0, Disconnected = 1, Local = 2, Site = 3, Online = 4 };
    Q_ENUM(Reachability)
    enum class TransportMedium { Unknown = 0, Ethernet = 1, Cellular = 2, WiFi = 3, Bluetooth = 4 };
    Q_ENUM(TransportMedium)

    Reachability reachability() const;
    bool isBehindCaptivePortal() const;
    TransportMedium transportMedium() const;
    bool isMetered() const;
    // The optional HTTP connectivity check for the whole process (netlink):
    // a GET of `url` expecting 204, or 200 with `expectedBody`. An empty url
    // turns it off. false for a malformed or non-http URL.
    bool setConnectivityCheck(const QString &url, const QByteArray &expectedBody = QByteArray());

public Q_SLOTS:
    void updateConfigurations();

Q_SIGNALS:
    void configurationAdded(const QNetworkConfiguration &config);
    void configurationRemoved(const QNetworkConfiguration &config);
    void configurationChanged(const QNetworkConfiguration &config);
    void onlineStateChanged(bool isOnline);
    void updateCompleted();

    // Beyond Qt 5: each only on an actual change.
    void reachabilityChanged(QNetworkConfigurationManager::Reachability reachability);
    void isBehindCaptivePortalChanged(bool state);
    void transportMediumChanged(QNetworkConfigurationManager::TransportMedium medium);
    void isMeteredChanged(bool isMetered);

protected:
    bool event(QEvent *e) override;

private:
    Q_DISABLE_COPY(QNetworkConfigurationManager)
    friend class QNetworkConfigurationManagerData;
    QNetworkConfigurationManagerData *d;
};

Q_DECLARE_OPERATORS_FOR_FLAGS(QNetworkConfigurationManager::Capabilities)

QT_END_NAMESPACE

QT_WARNING_POP

#endif /* QNETWORKSESSIONQT6_QNETWORKCONFIGMANAGER_H */
