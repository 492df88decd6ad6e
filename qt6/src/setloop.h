// The C calls that move an object's deliveries to another loop, in the
// form LoopBinding takes.
#ifndef QNETWORKSESSIONQT6_SETLOOP_H
#define QNETWORKSESSIONQT6_SETLOOP_H

#include <qnetworksession.h>

namespace qnsqt6 {

inline qns_status setManagerLoop(const void *manager, const qns_loop *lp)
{
    return qns_manager_set_loop(static_cast<const qns_manager *>(manager), lp);
}

inline qns_status setSessionLoop(const void *session, const qns_loop *lp)
{
    return qns_session_set_loop(static_cast<const qns_session *>(session), lp);
}

} // namespace qnsqt6

#endif
