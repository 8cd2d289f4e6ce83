/* fuzz_redfish.c - the Redfish decoders fed anything: no crash, no read
 * past the input, and what decodes is sane (strings terminated, member
 * URIs and links are paths in whatever shape they came - schema or
 * off-schema - percentages 0-100, known task states only). */
#include <stdlib.h>
#include <string.h>

#include "proto/sf_redfish.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *j = (const char *)data;
    struct sf_errctx ec = { 0 };
    struct sf_rf_root root;
    static struct sf_rf_update us;
    static struct sf_rf_members m;
    static struct sf_rf_fw fw;
    static struct sf_rf_task t;
    static struct sf_rf_system sys;
    if (sf_rf_parse_root(j, size, &root, &ec) == 0 && !root.update_service[0])
        abort();
    if (sf_rf_parse_update(j, size, &us, &ec) == 0 && !us.inventory[0])
        abort();
    if (sf_rf_parse_members(j, size, &m, &ec) == 0) {
        for (size_t i = 0; i < m.n; i++)
            if (m.uri[i][0] != '/' || !memchr(m.uri[i], '\0', SF_RF_URI))
                abort();
        /* A second page appends; the next link is a path or nothing. */
        size_t n = m.n;
        if (sf_rf_parse_members_page(j, size, &m, &ec) == 0 && m.n != 2 * n)
            abort();
        if (m.next[0] && (m.next[0] != '/' || m.next[1] == '/' || strpbrk(m.next, " \r\n")))
            abort();
    }
    char id[SF_RF_URI];
    if (sf_rf_odata_id(j, size, id, sizeof(id)) == 0 && (id[0] != '/' || id[1] == '/'))
        abort();
    /* A Manager a RelatedItem names - in any shape - is a path. */
    if (sf_rf_parse_fw(j, size, &fw, &ec) == 0 &&
        (!fw.id[0] || fw.updateable < -1 || fw.updateable > 1 || fw.active < -1 ||
         fw.active > 1 || (fw.manager[0] && (fw.manager[0] != '/' ||
                                             !strstr(fw.manager, "/Managers/")))))
        abort();
    /* A reset target, when there is one, is a path; so is the Manager
     * Links.ManagedBy names, whatever shape the link came in. */
    if (sf_rf_parse_system(j, size, &sys, &ec) == 0 &&
        (!sys.uri[0] || (sys.reset[0] && sys.reset[0] != '/') ||
         (sys.managed_by[0] && (sys.managed_by[0] != '/' || !strstr(sys.managed_by, "/Managers/")))))
        abort();
    if (sf_rf_parse_task(j, size, &t, &ec) == 0 &&
        (t.percent < -1 || t.percent > 100 || t.state > SF_RF_TASK_CANCELLED))
        abort();
    char msg[64];
    sf_rf_error_message(j, size, msg, sizeof(msg));
    if (!memchr(msg, '\0', sizeof(msg)))
        abort();
    /* Targets: whatever parses has a user and a host and no password. */
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct sf_rf_target tg;
    char why[200];
    if (sf_rf_parse_target(s, &tg, why, sizeof(why)) == 0 &&
        (!tg.user[0] || !tg.host[0] || strchr(tg.user, ':') || tg.port > 65535))
        abort();
    (void)sf_rf_host_is_loopback(s);
    /* A URI a service hands out: a path that was in it, or "". */
    char path[64];
    if (sf_rf_uri_path(s, path, sizeof(path)) == 0
            ? path[0] != '/' || path[1] == '/' || strpbrk(path, " \r\n\t") || !strstr(s, path)
            : path[0] != '\0')
        abort();
    free(s);
    return 0;
}
