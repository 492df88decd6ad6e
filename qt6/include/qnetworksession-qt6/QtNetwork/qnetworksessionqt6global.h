/*
 * libQNetworkSessionQt6: Qt 5's bearer classes (QNetworkConfiguration,
 * QNetworkConfigurationManager, QNetworkSession) for Qt 6, on libqnetworksession.
 *
 * This header holds what Qt 5's qtnetworkglobal.h and qtnetwork-config.h gave
 * the bearer headers and Qt 6 no longer has: the export macro, the
 * deprecation marker and the bearermanagement feature.
 */
#ifndef QNETWORKSESSIONQT6_GLOBAL_H
#define QNETWORKSESSIONQT6_GLOBAL_H

#include <QtCore/qglobal.h>

#define QNETWORKSESSIONQT6_VERSION_STR "0.1.0"
/* QNetworkConfigurationManager::reachability() and its relatives (ours,
 * not Qt 5's) exist. */
#define QNETWORKSESSIONQT6_HAS_REACHABILITY 1

/* Symbols of the library: default visibility when built or used, in the GNU
 * attribute form so it can stand next to the deprecation marker below. */
#define QNETWORKSESSIONQT6_EXPORT __attribute__((visibility("default")))

/* Qt 5.15 marked the three classes deprecated. Ported code should build
 * without warnings this library causes, so the marker is empty unless the
 * application asks for the 5.15 warnings with QNETWORKSESSIONQT6_WARN_DEPRECATED.
 * It is the GNU attribute (not [[deprecated]]): g++ rejects the standard
 * attribute mixed with __attribute__((visibility)) in a class head. */
#ifndef QT_DEPRECATED_BEARER_MANAGEMENT
#  if defined(QNETWORKSESSIONQT6_WARN_DEPRECATED)
#    define QT_DEPRECATED_BEARER_MANAGEMENT __attribute__((__deprecated__))
#  else
#    define QT_DEPRECATED_BEARER_MANAGEMENT
#  endif
#endif

/* #if QT_CONFIG(bearermanagement) is a hard error on Qt 6 without this.
 * The CMake target and the pkg-config file also define it on the command
 * line, so that code testing it before including any header works. */
#ifndef QT_FEATURE_bearermanagement
#  define QT_FEATURE_bearermanagement 1
#endif

#endif /* QNETWORKSESSIONQT6_GLOBAL_H */
