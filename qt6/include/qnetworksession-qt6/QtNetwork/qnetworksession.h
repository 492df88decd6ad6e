/*
 * QNetworkSession for Qt 6 (libQNetworkSessionQt6): Qt 5.15's API,
 * implemented on libqnetworksession. Signals are emitted in the session's
 * thread; moveToThread() moves them along.
 *
 * Include guard and directory differ from the C header <qnetworksession.h>
 * of libqnetworksession, so one translation unit may include both.
 */
#ifndef QNETWORKSESSIONQT6_QNETWORKSESSION_H
#define QNETWORKSESSIONQT6_QNETWORKSESSION_H

#include "qnetworksessionqt6global.h"
#include "qnetworkconfiguration.h"

#include <QtCore/qobject.h>
#include <QtCore/qshareddata.h>
#include <QtCore/qstring.h>
#include <QtCore/qvariant.h>
#include <QtNetwork/qnetworkinterface.h>

// The declarations use the (optionally deprecated) classes themselves.
QT_WARNING_PUSH
QT_WARNING_DISABLE_DEPRECATED

QT_BEGIN_NAMESPACE

class QNetworkSessionData;
class QNetworkSessionPrivate;

class QT_DEPRECATED_BEARER_MANAGEMENT QNETWORKSESSIONQT6_EXPORT QNetworkSession : public QObject
{
    Q_OBJECT

public:
    enum State {
        Invalid = 0,
        NotAvailable,
        Connecting,
        Connected,
        Closing,
        Disconnected,
        Roaming
    };

    enum SessionError {
        UnknownSessionError = 0,
        SessionAbortedError,
        RoamingError,
        OperationNotSupportedError,
        InvalidConfigurationError
    };

    enum UsagePolicy {
        NoPolicy = 0,
        NoBackgroundTrafficPolicy = 1
    };
    Q_DECLARE_FLAGS(UsagePolicies, UsagePolicy)

    explicit QNetworkSession(const QNetworkConfiguration &connConfig, QObject *parent = nullptr);
    virtual ~QNetworkSession();

    bool isOpen() const;
    QNetworkConfiguration configuration() const;
#ifndef QT_NO_NETWORKINTERFACE
    QNetworkInterface interface() const;
#endif

    State state() const;
    SessionError error() const;
    QString errorString() const;
    QVariant sessionProperty(const QString &key) const;
    void setSessionProperty(const QString &key, const QVariant &value);

    quint64 bytesWritten() const;
    quint64 bytesReceived() const;
    quint64 activeTime() const;

    QNetworkSession::UsagePolicies usagePolicies() const;

    bool waitForOpened(int msecs = 30000);

public Q_SLOTS:
    void open();
    void close();
    void stop();

    // Roaming (after preferredConfigurationChanged / newConfigurationActivated).
    void migrate();
    void ignore();
    void accept();
    void reject();

Q_SIGNALS:
    void stateChanged(QNetworkSession::State);
    void opened();
    void closed();
    void error(QNetworkSession::SessionError);
    void preferredConfigurationChanged(const QNetworkConfiguration &config, bool isSeamless);
    void newConfigurationActivated();
    void usagePoliciesChanged(QNetworkSession::UsagePolicies usagePolicies);

protected:
    // A receiver of preferredConfigurationChanged turns application-level
    // roaming on; disconnecting the last one turns it off.
    virtual void connectNotify(const QMetaMethod &signal) override;
    virtual void disconnectNotify(const QMetaMethod &signal) override;
    bool event(QEvent *e) override;

private:
    Q_DISABLE_COPY(QNetworkSession)
    friend class QNetworkSessionData;
    friend class QNetworkSessionPrivate;
    QNetworkSessionData *d;
};

QT_END_NAMESPACE

Q_DECLARE_METATYPE(QNetworkSession::State)
Q_DECLARE_METATYPE(QNetworkSession::SessionError)
Q_DECLARE_METATYPE(QNetworkSession::UsagePolicies)

QT_WARNING_POP

#endif /* QNETWORKSESSIONQT6_QNETWORKSESSION_H */
