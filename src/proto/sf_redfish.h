/*
 * sf_redfish.h - Redfish resources safeflash reads and the few bodies it
 * writes, as the DMTF schemas define them (DSP0268: ServiceRoot,
 * UpdateService, SoftwareInventory, Task, the error response).  Pure: JSON
 * text in (json-c), structs out; no I/O.
 *
 * Decoders take what real BMCs send and keep only what safeflash uses;
 * anything required that is missing or of the wrong type is SF_EMALFORMED
 * with a message naming the property.  What services commonly write off
 * the schema is read, not refused: a link as a bare string, a single link
 * (or string) where the schema has an array of links (RelatedItem,
 * Links.ManagedBy, Members), a Status.State of "Staged".
 */
#ifndef SF_REDFISH_H
#define SF_REDFISH_H

#include <stddef.h>
#include <stdint.h>

#include "safeflash/sf_err.h"

#define SF_RF_URI 256

struct sf_rf_root {
    char sessions[SF_RF_URI];        /* Links.Sessions, "" if no SessionService */
    char update_service[SF_RF_URI];
    char systems[SF_RF_URI], managers[SF_RF_URI];
    char redfish_version[32];
};

enum sf_rf_apply {
    SF_RF_APPLY_IMMEDIATE = 1 << 0,
    SF_RF_APPLY_ON_RESET = 1 << 1,
    SF_RF_APPLY_ON_START = 1 << 2,   /* OnStartUpdateRequest */
    SF_RF_APPLY_ON_TARGET_RESET = 1 << 3,
};

struct sf_rf_update {
    char push_uri[SF_RF_URI];        /* HttpPushUri, "" */
    char multipart_uri[SF_RF_URI];   /* MultipartHttpPushUri, "" */
    char inventory[SF_RF_URI];       /* FirmwareInventory */
    char start_update[SF_RF_URI];    /* #UpdateService.StartUpdate target, "" */
    char simple_update[SF_RF_URI];   /* #UpdateService.SimpleUpdate target, "" (a service
                                      * with neither push URI only pulls) */
    unsigned apply_times;            /* sf_rf_apply bits the service lists; 0: not said */
};

/* A collection's member URIs.  A service may hand a long collection out
 * in pages: Members@odata.nextLink names the next one ("" on the last). */
struct sf_rf_members {
    size_t n;
    char uri[128][SF_RF_URI];        /* iDRACs list NICs, disks, PSUs... */
    char next[SF_RF_URI];
};

struct sf_rf_fw {
    char uri[SF_RF_URI];
    char id[96], name[96], software_id[64];
    char description[96];
    char version[64];
    int active;                      /* "Active" (SoftwareInventory v1.9): -1 not said */
    char manager[SF_RF_URI];         /* a RelatedItem that is a Manager: the BMC's own image */
    int rel_bios;                    /* a RelatedItem is a ComputerSystem or its Bios */
    int updateable;                  /* -1 not said */
    char state[32], health[32];      /* Status.State / Status.Health, "" */
    int staged;                      /* "Staged": true, or State StandbyOffline (or "Staged") */
    int backup;                      /* State StandbySpare: a backup image */
    char condition[256];             /* first Status.Conditions[].Message, "" */
};

enum sf_rf_task_state {
    SF_RF_TASK_UNKNOWN = 0, SF_RF_TASK_NEW, SF_RF_TASK_STARTING, SF_RF_TASK_RUNNING,
    SF_RF_TASK_SUSPENDED, SF_RF_TASK_INTERRUPTED, SF_RF_TASK_PENDING, SF_RF_TASK_STOPPING,
    SF_RF_TASK_COMPLETED, SF_RF_TASK_KILLED, SF_RF_TASK_EXCEPTION, SF_RF_TASK_SERVICE,
    SF_RF_TASK_CANCELLING, SF_RF_TASK_CANCELLED,
};

struct sf_rf_task {
    char uri[SF_RF_URI];
    enum sf_rf_task_state state;
    char state_str[32];
    int percent;                     /* -1 not said */
    char status[16];                 /* TaskStatus */
    char message_id[96];             /* last Messages[] entry */
    char message[384];
};

int sf_rf_parse_root(const char *json, size_t len, struct sf_rf_root *out, struct sf_errctx *ec);
int sf_rf_parse_update(const char *json, size_t len, struct sf_rf_update *out,
                       struct sf_errctx *ec);
int sf_rf_parse_members(const char *json, size_t len, struct sf_rf_members *out,
                        struct sf_errctx *ec);
/* The next page of a collection: its members are appended to out, and
 * out->next is replaced. */
int sf_rf_parse_members_page(const char *json, size_t len, struct sf_rf_members *out,
                             struct sf_errctx *ec);
int sf_rf_parse_fw(const char *json, size_t len, struct sf_rf_fw *out, struct sf_errctx *ec);
int sf_rf_parse_task(const char *json, size_t len, struct sf_rf_task *out, struct sf_errctx *ec);

/* A ComputerSystem: what board it is (packages match Manufacturer and
 * Model), its reset action ("" when it offers none) and the Manager (the
 * BMC) its Links.ManagedBy names first ("" when none). */
struct sf_rf_system {
    char uri[SF_RF_URI];
    char manufacturer[64], model[64];
    char reset[SF_RF_URI];
    char managed_by[SF_RF_URI];
};
int sf_rf_parse_system(const char *json, size_t len, struct sf_rf_system *out,
                       struct sf_errctx *ec);

/* The path of a URI a service handed out (a Location header, a link):
 * "/redfish/v1/..." as it is, or the path of an absolute
 * "https://host[:port]/redfish/v1/..." (iLO answers with those).  The host
 * in it is not followed: safeflash talks only to the BMC it was pointed
 * at, and never sends credentials elsewhere.  SF_EMALFORMED for anything
 * else. */
int sf_rf_uri_path(const char *uri, char *out, size_t cap);
/* A resource's own @odata.id, through sf_rf_uri_path ("" and SF_EMALFORMED
 * when it has none). */
int sf_rf_odata_id(const char *json, size_t len, char *out, size_t cap);

/* A Redfish error body's first message ("" when it is not one). */
void sf_rf_error_message(const char *json, size_t len, char *out, size_t cap);

/* 1 for task states that will not change again. */
int sf_rf_task_final(enum sf_rf_task_state s);
const char *sf_rf_apply_str(enum sf_rf_apply a);

/* A target written redfish://USER@HOST[:PORT] (HOST may be [IPv6]).  The
 * password never appears in it.  Returns 0 or SF_EINVAL with why. */
struct sf_rf_target {
    char user[64];
    char host[256];           /* as written, brackets kept for IPv6 */
    unsigned port;            /* 0: the scheme's default */
};
int sf_rf_parse_target(const char *s, struct sf_rf_target *out, char *why, size_t cap);
/* 1 for 127.0.0.0/8, ::1 and localhost: where plain HTTP is allowed. */
int sf_rf_host_is_loopback(const char *host);

/* Bodies: malloc'd JSON text. */
char *sf_rf_login_body(const char *user, const char *password);
char *sf_rf_reset_body(const char *reset_type);
/* SimpleUpdate's parameters: ImageURI and Targets [target] (NULL: none).
 * No apply time: bmcweb refuses parameters it does not know. */
char *sf_rf_simple_update_body(const char *image_uri, const char *target);
/* UpdateParameters: Targets [target] (NULL: none), the apply time. */
char *sf_rf_update_params(const char *target, enum sf_rf_apply apply);

#endif
