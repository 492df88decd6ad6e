/*
 * QNetworkConfiguration for Qt 6 (libQNetworkSessionQt6): Qt 5.15's API,
 * implemented on libqnetworksession. A value class sharing one handle to a
 * live configuration record: copies are cheap, and every copy sees the
 * record's current name and state.
 */
#ifndef QNETWORKSESSIONQT6_QNETWORKCONFIGURATION_H
#define QNETWORKSESSIONQT6_QNETWORKCONFIGURATION_H

#include "qnetworksessionqt6global.h"

#include <QtCore/qlist.h>
#include <QtCore/qmetatype.h>
#include <QtCore/qshareddata.h>
#include <QtCore/qstring.h>

// The declarations use the (optionally deprecated) classes themselves.
QT_WARNING_PUSH
QT_WARNING_DISABLE_DEPRECATED

QT_BEGIN_NAMESPACE

class QNetworkConfigurationPrivate;

class QT_DEPRECATED_BEARER_MANAGEMENT QNETWORKSESSIONQT6_EXPORT QNetworkConfiguration
{
public:
    QNetworkConfiguration();
    QNetworkConfiguration(const QNetworkConfiguration &other);
    QNetworkConfiguration &operator=(QNetworkConfiguration &&other) noexcept
    {
        swap(other);
        return *this;
    }
    QNetworkConfiguration &operator=(const QNetworkConfiguration &other);
    ~QNetworkConfiguration();

    void swap(QNetworkConfiguration &other) noexcept { qSwap(d, other.d); }

    // Equal when both are null or both name the same live record.
    bool operator==(const QNetworkConfiguration &other) const;
    inline bool operator!=(const QNetworkConfiguration &other) const { return !(*this == other); }

    enum Type { InternetAccessPoint = 0, ServiceNetwork, UserChoice, Invalid };

    enum Purpose { UnknownPurpose = 0, PublicPurpose, PrivatePurpose, ServiceSpecificPurpose };

    // Nested bit patterns: each state includes the ones before it.
    enum StateFlag {
        Undefined = 0x0000001,
        Defined = 0x0000002,
        Discovered = 0x0000006,
        Active = 0x000000e
    };
    Q_DECLARE_FLAGS(StateFlags, StateFlag)

    enum BearerType {
        BearerUnknown,
        BearerEthernet,
        BearerWLAN,
        Bearer2G,
        BearerCDMA2000,
        BearerWCDMA,
        BearerHSPA,
        BearerBluetooth,
        BearerWiMAX,
        BearerEVDO,
        BearerLTE,
        Bearer3G,
        Bearer4G
    };

    StateFlags state() const;
    Type type() const;
    Purpose purpose() const;
    BearerType bearerType() const;
    BearerType bearerTypeFamily() const;
    QString bearerTypeName() const;
    QString identifier() const;
    bool isRoamingAvailable() const;
    QList<QNetworkConfiguration> children() const;

    QString name() const;
    bool isValid() const;

    int connectTimeout() const;
    bool setConnectTimeout(int timeout);

private:
    friend class QNetworkConfigurationPrivate;
    friend class QNetworkConfigurationManager;
    friend class QNetworkSession;
    QExplicitlySharedDataPointer<QNetworkConfigurationPrivate> d;
};

Q_DECLARE_SHARED(QNetworkConfiguration)

QT_END_NAMESPACE

Q_DECLARE_METATYPE(QNetworkConfiguration)

QT_WARNING_POP

#endif /* QNETWORKSESSIONQT6_QNETWORKCONFIGURATION_H */
