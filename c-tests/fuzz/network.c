/* The simulated network the sessions run on, changed at random while they
 * run: FZ_APS access points ("ap0"...) and FZ_SNS service networks ("sn0"...)
 * whose children are some of them. Each identifier has a slot lock held
 * around every qns_sim_* call on it, so the fuzzer knows whether it exists
 * and every status is predictable.
 *
 * Every record gets a connect timeout of at most 1 s before it can be
 * started (added as Defined, timeout set, then its state), so every open
 * attempt ends within about 1 s in a correct library: that is what makes
 * waitForOpened(-1) safe for the fuzzer and a hang a library defect. */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

typedef struct slot {
    pthread_mutex_t lock;
    bool present;
    bool has_interface;
} slot;

static slot aps[FZ_APS], sns[FZ_SNS];
static char ap_ids[FZ_APS][8], sn_ids[FZ_SNS][8];
qns_manager *fz_net_manager;

const char *fz_ap_id(int i) { return ap_ids[i]; }
const char *fz_sn_id(int i) { return sn_ids[i]; }

static void expect(qns_status st, const slot *s, const char *call) {
    fz_expect_status(st, s->present ? QNS_OK : QNS_ERR_NOT_FOUND, call);
}

static void set_timeout(const char *id, int ms) {
    qns_configuration *c = NULL;
    fz_expect_status(qns_manager_configuration_from_identifier(fz_net_manager, id, &c), QNS_OK,
                     "qns_manager_configuration_from_identifier");
    fz_check(FZ_I_STATUS, c != NULL, "%s is not found right after it was added", id);
    fz_check(FZ_I_STATUS, qns_configuration_set_connect_timeout(c, ms), "set_connect_timeout(%s, %d) failed",
             id, ms);
    qns_configuration_free(c);
}

static int small_timeout(fz_rng *r) { return fz_chance(r, 30) ? 0 : 20 + (int)fz_below(r, 981); }

static unsigned random_state(fz_rng *r) {
    unsigned k = fz_below(r, 100);
    return k < 35 ? QNS_STATE_FLAG_ACTIVE
           : k < 70 ? QNS_STATE_FLAG_DISCOVERED
           : k < 90 ? QNS_STATE_FLAG_DEFINED
                    : QNS_STATE_FLAG_UNDEFINED;
}

static void set_start_behavior(fz_rng *r, int i) {
    unsigned k = fz_below(r, 100);
    int mode = k < 40 ? QNS_SIM_START_SUCCEED
               : k < 60 ? QNS_SIM_START_FAIL
               : k < 85 ? QNS_SIM_START_DELAY
                        : QNS_SIM_START_NEVER;
    expect(qns_sim_set_start_behavior(ap_ids[i], mode, 1 + (int)fz_below(r, 300), (int)fz_below(r, 5)), &aps[i],
           "qns_sim_set_start_behavior");
}

/* With the slot locked and the access point absent. */
static void add_ap(fz_rng *r, int i) {
    qns_status st = qns_sim_add_access_point(ap_ids[i], "fuzz", (int)fz_below(r, 13), QNS_STATE_FLAG_DEFINED);
    fz_expect_status(st, QNS_OK, "qns_sim_add_access_point");
    if (st != QNS_OK)
        return;
    aps[i].present = true;
    aps[i].has_interface = false;
    set_timeout(ap_ids[i], small_timeout(r));
    set_start_behavior(r, i);
    expect(qns_sim_set_state(ap_ids[i], random_state(r)), &aps[i], "qns_sim_set_state");
}

static void set_children(fz_rng *r, int i) {
    const char *children[FZ_APS];
    size_t n = fz_below(r, FZ_APS + 1);
    for (size_t k = 0; k < n; k++)
        children[k] = ap_ids[fz_below(r, FZ_APS)]; /* absent ones may come later */
    expect(qns_sim_set_children(sn_ids[i], children, n), &sns[i], "qns_sim_set_children");
}

static void add_sn(fz_rng *r, int i) {
    qns_status st = qns_sim_add_service_network(sn_ids[i], "fuzz network", NULL, 0);
    fz_expect_status(st, QNS_OK, "qns_sim_add_service_network");
    if (st != QNS_OK)
        return;
    sns[i].present = true;
    set_timeout(sn_ids[i], small_timeout(r));
    set_children(r, i);
}

void fz_network_setup(qns_manager *m) {
    fz_net_manager = m;
    fz_rng r = {fz_cfg.seed ^ 0x5EED};
    for (int i = 0; i < FZ_APS; i++) {
        snprintf(ap_ids[i], sizeof ap_ids[i], "ap%d", i);
        pthread_mutex_init(&aps[i].lock, NULL);
        add_ap(&r, i);
    }
    for (int i = 0; i < FZ_SNS; i++) {
        snprintf(sn_ids[i], sizeof sn_ids[i], "sn%d", i);
        pthread_mutex_init(&sns[i].lock, NULL);
        add_sn(&r, i);
    }
}

static void ap_step(fz_rng *r, int i) {
    slot *s = &aps[i];
    const char *id = ap_ids[i];
    char text[48];
    unsigned k = fz_below(r, 100);
    if (k < 45) {
        expect(qns_sim_set_state(id, random_state(r)), s, "qns_sim_set_state");
    } else if (k < 57) {
        set_start_behavior(r, i);
    } else if (k < 63) {
        if (s->present) {
            fz_expect_status(qns_sim_remove(id), QNS_OK, "qns_sim_remove");
            s->present = s->has_interface = false;
        } else {
            add_ap(r, i);
        }
    } else if (k < 67) {
        snprintf(text, sizeof text, "fuzz %u", fz_below(r, 100));
        expect(qns_sim_set_name(id, text), s, "qns_sim_set_name");
    } else if (k < 70) {
        expect(qns_sim_set_bearer(id, (int)fz_below(r, 13)), s, "qns_sim_set_bearer");
    } else if (k < 72) {
        expect(qns_sim_set_purpose(id, (int)fz_below(r, 4)), s, "qns_sim_set_purpose");
    } else if (k < 77) {
        expect(qns_sim_set_metered(id, fz_chance(r, 500)), s, "qns_sim_set_metered");
    } else if (k < 79) {
        expect(qns_sim_set_roaming_available(id, fz_chance(r, 500)), s, "qns_sim_set_roaming_available");
    } else if (k < 84) {
        expect(qns_sim_set_bytes(id, fz_next(r) >> 20, fz_next(r) >> 20), s, "qns_sim_set_bytes");
    } else if (k < 89) {
        bool remove = fz_chance(r, 200);
        char name[16], hw[24];
        snprintf(name, sizeof name, "fz%d", i);
        snprintf(hw, sizeof hw, "02:00:00:00:00:%02x", i);
        expect(qns_sim_set_interface(id, remove ? NULL : name, 10 + i, hw,
                                     QNS_INTERFACE_IS_UP | QNS_INTERFACE_IS_RUNNING | QNS_INTERFACE_CAN_MULTICAST,
                                     1500),
               s, "qns_sim_set_interface");
        if (s->present)
            s->has_interface = !remove;
    } else if (k < 94) {
        bool v6 = fz_chance(r, 500);
        if (v6)
            snprintf(text, sizeof text, "2001:db8::%x", fz_below(r, 0xffff));
        else
            snprintf(text, sizeof text, "192.0.2.%u", 1 + fz_below(r, 250));
        fz_expect_status(qns_sim_add_interface_address(id, text, v6 ? 64 : 24),
                         s->has_interface ? QNS_OK : QNS_ERR_NOT_FOUND, "qns_sim_add_interface_address");
    } else {
        expect(qns_sim_set_default(id), s, "qns_sim_set_default");
    }
}

static void sn_step(fz_rng *r, int i) {
    slot *s = &sns[i];
    unsigned k = fz_below(r, 100);
    if (k < 60) {
        set_children(r, i);
    } else if (k < 75) {
        if (s->present) {
            fz_expect_status(qns_sim_remove(sn_ids[i]), QNS_OK, "qns_sim_remove");
            s->present = false;
        } else {
            add_sn(r, i);
        }
    } else if (k < 85) {
        expect(qns_sim_set_roaming_available(sn_ids[i], fz_chance(r, 500)), s, "qns_sim_set_roaming_available");
    } else if (k < 90) {
        expect(qns_sim_set_name(sn_ids[i], fz_chance(r, 500) ? "fuzz network" : "renamed"), s, "qns_sim_set_name");
    } else {
        expect(qns_sim_set_default(sn_ids[i]), s, "qns_sim_set_default");
    }
}

#define DEFAULT_CAPABILITIES                                                                           \
    (QNS_CAPABILITY_CAN_START_AND_STOP_INTERFACES | QNS_CAPABILITY_APPLICATION_LEVEL_ROAMING |          \
     QNS_CAPABILITY_FORCED_ROAMING | QNS_CAPABILITY_DATA_STATISTICS)

void fz_network_step(fz_rng *r) {
    unsigned k = fz_below(r, 100);
    fz_op_begin("qns_sim_*", 0);
    if (k < 80) {
        int i = (int)fz_below(r, FZ_APS);
        pthread_mutex_lock(&aps[i].lock);
        ap_step(r, i);
        pthread_mutex_unlock(&aps[i].lock);
    } else if (k < 95) {
        int i = (int)fz_below(r, FZ_SNS);
        pthread_mutex_lock(&sns[i].lock);
        sn_step(r, i);
        pthread_mutex_unlock(&sns[i].lock);
    } else if (k < 97) {
        fz_expect_status(qns_sim_set_default(NULL), QNS_OK, "qns_sim_set_default(NULL)");
    } else {
        unsigned caps = fz_chance(r, 700) ? DEFAULT_CAPABILITIES : (unsigned)fz_below(r, 128);
        fz_expect_status(qns_sim_set_capabilities(caps), QNS_OK, "qns_sim_set_capabilities");
    }
    fz_op_end();
}

/* The network the end check opens and closes each access point on. */
void fz_network_quiet(void) {
    fz_rng r = {fz_cfg.seed ^ 0x0DD};
    fz_expect_status(qns_sim_set_capabilities(DEFAULT_CAPABILITIES), QNS_OK, "qns_sim_set_capabilities");
    fz_expect_status(qns_sim_set_default(NULL), QNS_OK, "qns_sim_set_default(NULL)");
    for (int i = 0; i < FZ_APS; i++) {
        pthread_mutex_lock(&aps[i].lock);
        if (!aps[i].present)
            add_ap(&r, i);
        expect(qns_sim_set_start_behavior(ap_ids[i], QNS_SIM_START_SUCCEED, 0, 0), &aps[i],
               "qns_sim_set_start_behavior");
        expect(qns_sim_set_state(ap_ids[i], QNS_STATE_FLAG_DISCOVERED), &aps[i], "qns_sim_set_state");
        set_timeout(ap_ids[i], 30000); /* nothing waits now; a start must not race a 0 ms timeout */
        pthread_mutex_unlock(&aps[i].lock);
    }
}
