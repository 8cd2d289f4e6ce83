/*
 * sf_bmcup.h - server-board firmware through a BMC's Redfish service
 * (field report 002).  This part reads what the BMC says it runs: the
 * UpdateService (how images may be pushed) and the FirmwareInventory,
 * which - never a task's word - decides whether an update took.
 */
#ifndef SF_BMCUP_H
#define SF_BMCUP_H

#include "engine/sf_rfsess.h"

#define SF_BMCUP_MAX_FW 32

struct sf_bmc_inv {
    struct sf_rf_update us;
    size_t n;
    struct sf_rf_fw fw[SF_BMCUP_MAX_FW];
};

/* Read the UpdateService and every FirmwareInventory member. */
int sf_bmcup_inventory(struct sf_rfs *s, struct sf_bmc_inv *inv, struct sf_errctx *ec);

#endif
