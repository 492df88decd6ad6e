/* SPEC §6: a backend that cannot start runs as the inert "none" backend and
 * says why; the library never falls back to the simulated network by itself
 * (issue 9 item 14). Each case runs in a fresh child process, because the
 * backend is chosen once per process. A sandbox without netlink sockets is
 * made with a seccomp filter that refuses socket(AF_NETLINK, ...). */
#include "qns_test.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define QNS_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define QNS_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* Refuses netlink sockets with EAFNOSUPPORT, as a strict sandbox does. */
static int deny_netlink_sockets(void) {
#ifdef QNS_AUDIT_ARCH
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, QNS_AUDIT_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return -1;
    return socket(AF_NETLINK, SOCK_RAW, 0) < 0 && errno == EAFNOSUPPORT ? 0 : -1;
#else
    return -1;
#endif
}

static char error_text[512];

static const char *backend_error(void) {
    size_t need = 0;
    CHECK_OK(qns_backend_error(error_text, sizeof error_text, &need));
    CHECK(need < sizeof error_text);
    return error_text;
}

static void count_update(void *ud, qns_manager *m) { (void)m, ++*(int *)ud; }

/* Whatever the reason, "none" is inert: no configurations, no capabilities,
 * offline, and an update still completes. Scripting calls are refused. */
static void check_inert(void) {
    CHECK_STR(qns_backend_name(), "none");
    qns_manager *m = NULL;
    CHECK_OK(qns_manager_new(NULL, &m));
    qns_configuration_list *all = NULL;
    CHECK_OK(qns_manager_all_configurations(m, 0, &all));
    CHECK_EQ_INT(qns_configuration_list_size(all), 0);
    qns_configuration_list_free(all);
    CHECK_EQ_INT(qns_manager_capabilities(m), 0);
    CHECK(!qns_manager_is_online(m));
    qns_configuration *def = (qns_configuration *)1;
    CHECK_OK(qns_manager_default_configuration(m, &def));
    CHECK(def == NULL);
    int updates = 0;
    CHECK_OK(qns_manager_on_update_completed(m, count_update, &updates, NULL, NULL));
    CHECK_OK(qns_manager_update_configurations(m));
    dispatch_all();
    CHECK_EQ_INT(updates, 1);
    /* Nothing pretends to be a network: a UserChoice session cannot open. */
    qns_configuration *uc = NULL;
    CHECK_OK(qns_manager_user_choice_configuration(m, &uc));
    CHECK_EQ_INT(qns_configuration_state(uc), QNS_STATE_FLAG_DEFINED);
    qns_session *s = NULL;
    CHECK_OK(qns_session_new(uc, NULL, &s));
    CHECK_OK(qns_session_open(s));
    dispatch_all();
    CHECK(!qns_session_is_open(s));
    CHECK_EQ_INT(qns_session_error(s), QNS_SESSION_ERROR_INVALID_CONFIGURATION);
    CHECK_EQ_INT(qns_sim_add_access_point("x", "x", QNS_BEARER_ETHERNET, QNS_STATE_FLAG_ACTIVE),
                 QNS_ERR_WRONG_BACKEND);
    qns_session_free(s);
    qns_configuration_free(uc);
    qns_manager_free(m);
}

static void netlink_unavailable(void) {
    if (deny_netlink_sockets() != 0) {
        printf("skip: cannot install a seccomp filter here\n");
        return;
    }
    CHECK_OK(qns_select_backend("netlink"));
    check_inert();
    CHECK(strstr(backend_error(), "netlink") != NULL);
}

static void auto_without_netlink(void) {
    if (deny_netlink_sockets() != 0) {
        printf("skip: cannot install a seccomp filter here\n");
        return;
    }
    unsetenv("QNS_BACKEND");
    check_inert();
    CHECK(strstr(backend_error(), "netlink") != NULL);
}

static void unknown_name_in_environment(void) {
    setenv("QNS_BACKEND", "carrier-pigeon", 1);
    check_inert();
    CHECK(strstr(backend_error(), "carrier-pigeon") != NULL);
}

static void chosen_none(void) {
    CHECK_OK(qns_select_backend("none"));
    check_inert();
    CHECK_STR(backend_error(), "");
}

static int passed, failed;

/* Runs one case in a child; its exit status is its failure count. */
static void in_child(const char *name, void (*fn)(void)) {
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        _exit(qns_test_failures > 255 ? 255 : qns_test_failures);
    }
    int status = 0;
    if (pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
        WEXITSTATUS(status) == 0) {
        passed++;
        printf("ok   %s\n", name);
    } else {
        failed++;
        printf("FAIL %s (status %d)\n", name, status);
    }
}

int main(void) {
    in_child("netlink_unavailable", netlink_unavailable);
    in_child("auto_without_netlink", auto_without_netlink);
    in_child("unknown_name_in_environment", unknown_name_in_environment);
    in_child("chosen_none", chosen_none);
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
