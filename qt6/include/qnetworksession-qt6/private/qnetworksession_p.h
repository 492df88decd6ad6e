/*
 * Test hook of libQNetworkSessionQt6, as Qt 5's private header offered it to
 * Qt's own tests: QNetworkSessionPrivate::setUsagePolicies() makes a session
 * report other usage policies and emits usagePoliciesChanged at once, inside
 * the call. Not for applications.
 */
#ifndef QNETWORKSESSIONQT6_QNETWORKSESSION_P_H
#define QNETWORKSESSIONQT6_QNETWORKSESSION_P_H

#include "../QtNetwork/qnetworksession.h"

// The declarations use the (optionally deprecated) classes themselves.
QT_WARNING_PUSH
QT_WARNING_DISABLE_DEPRECATED

QT_BEGIN_NAMESPACE

class QNETWORKSESSIONQT6_EXPORT QNetworkSessionPrivate
{
public:
    // The policies the session reports until the backend next changes them.
    static void setUsagePolicies(QNetworkSession &session, QNetworkSession::UsagePolicies policies);
};

QT_END_NAMESPACE

QT_WARNING_POP

#endif
