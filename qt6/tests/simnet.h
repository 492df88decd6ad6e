// Scripting the simulated backend from our Qt tests (C API qns_sim_*). A
// test translation unit includes both the C header and the Qt classes,
// which also proves the two header sets live together.
#ifndef QNETWORKSESSIONQT6_TESTS_SIMNET_H
#define QNETWORKSESSIONQT6_TESTS_SIMNET_H

#include <qnetworksession.h> // the C header
#include <QNetworkConfiguration>
#include <QNetworkConfigurationManager>
#include <QNetworkSession>

#include <QtTest/QtTest>

namespace simnet {

inline void reset()
{
    QCOMPARE(qns_sim_reset(), QNS_OK);
}

// An access point with a real-looking interface (lo exists everywhere, so
// QNetworkInterface can describe it).
inline void addAccessPoint(const char *id, const char *name, int bearer, unsigned state)
{
    QCOMPARE(qns_sim_add_access_point(id, name, bearer, state), QNS_OK);
    QCOMPARE(qns_sim_set_interface(id, "lo", 1, "", QNS_INTERFACE_IS_UP | QNS_INTERFACE_IS_RUNNING,
                                   65536),
             QNS_OK);
}

inline void setState(const char *id, unsigned state)
{
    QCOMPARE(qns_sim_set_state(id, state), QNS_OK);
}

inline QNetworkConfiguration find(const QNetworkConfigurationManager &m, const char *id)
{
    return m.configurationFromIdentifier(QString::fromLatin1(id));
}

} // namespace simnet

#endif
