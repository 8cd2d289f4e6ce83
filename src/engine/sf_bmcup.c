/* sf_bmcup.c - see sf_bmcup.h. */
#include "engine/sf_bmcup.h"

#include <stdio.h>
#include <string.h>

int sf_bmcup_inventory(struct sf_rfs *s, struct sf_bmc_inv *inv, struct sf_errctx *ec)
{
    memset(inv, 0, sizeof(*inv));
    struct sf_http_resp r;
    int rc = sf_rfs_get(s, s->root.update_service, &r, ec);
    if (!rc)
        rc = sf_rf_parse_update(r.body, r.len, &inv->us, ec);
    sf_http_resp_free(&r);
    if (rc)
        return rc;
    struct sf_rf_members m;
    rc = sf_rfs_get(s, inv->us.inventory, &r, ec);
    if (!rc)
        rc = sf_rf_parse_members(r.body, r.len, &m, ec);
    sf_http_resp_free(&r);
    if (rc)
        return rc;
    if (m.n > SF_BMCUP_MAX_FW)
        return sf_err_set(ec, SF_ERANGE, "FirmwareInventory lists %zu items; at most %d are read",
                          m.n, SF_BMCUP_MAX_FW);
    for (size_t i = 0; i < m.n; i++) {
        rc = sf_rfs_get(s, m.uri[i], &r, ec);
        if (!rc)
            rc = sf_rf_parse_fw(r.body, r.len, &inv->fw[inv->n], ec);
        sf_http_resp_free(&r);
        if (rc)
            return rc;
        inv->n++;
    }
    return 0;
}
