// The header in a C++17 translation unit, with RAII around the handles.
#include <qnetworksession.h>

#include <cstdio>
#include <memory>
#include <string>

struct SessionFree { void operator()(qns_session *s) const { qns_session_free(s); } };
struct ConfigFree { void operator()(qns_configuration *c) const { qns_configuration_free(c); } };
struct ManagerFree { void operator()(qns_manager *m) const { qns_manager_free(m); } };

int main() {
    if (qns_select_backend("simulated") != QNS_OK)
        return 1;
    qns_sim_add_access_point("eth", "Wired", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE);
    qns_manager *raw_m = nullptr;
    qns_manager_new(nullptr, &raw_m);
    std::unique_ptr<qns_manager, ManagerFree> m(raw_m);
    qns_configuration *raw_c = nullptr;
    qns_manager_default_configuration(m.get(), &raw_c);
    std::unique_ptr<qns_configuration, ConfigFree> c(raw_c);
    std::size_t need = 0;
    qns_configuration_name(c.get(), nullptr, 0, &need);
    std::string name(need, '\0');
    qns_configuration_name(c.get(), name.data(), need + 1, nullptr);
    qns_session *raw_s = nullptr;
    qns_session_new(c.get(), nullptr, &raw_s);
    std::unique_ptr<qns_session, SessionFree> s(raw_s);
    int opened = 0;
    qns_session_on_opened(s.get(), [](void *ud, qns_session *) { ++*static_cast<int *>(ud); }, &opened, nullptr, nullptr);
    qns_session_open(s.get());
    qns_loop_dispatch(nullptr, 0, nullptr);
    std::printf("C++: default is %s, opened %d time(s)\n", name.c_str(), opened);
    return name == "Wired" && opened == 1 ? 0 : 1;
}
