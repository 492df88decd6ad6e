// The C calls that move an object's deliveries to another loop, in the
// form LoopBinding takes.
#ifndef QNETWORKSESSIONQT6_SETLOOP_H
#define QNETWORKSESSIONQT6_SETLOOP_H

#include <qnetworksession.h>

namespace qnsqt6 {

inline qns_status setManagerLoop(void *manager, const qns_loop *lp)
{
    if (!manager)
        return QNS_ERR_NULL_ARGUMENT;
#ifdef QNSQT6_HAVE_SET_LOOP
    return qns_manager_set_loop(static_cast<qns_manager *>(manager), lp);
#else
    (void)lp;
    return QNS_ERR_WRONG_STATE;
#endif
}

inline qns_status setSessionLoop(void *session, const qns_loop *lp)
{
    if (!session)
        return QNS_ERR_NULL_ARGUMENT;
#ifdef QNSQT6_HAVE_SET_LOOP
    return qns_session_set_loop(static_cast<qns_session *>(session), lp);
#else
    (void)lp;
    return QNS_ERR_WRONG_STATE;
#endif
}

} // namespace qnsqt6

#endif
