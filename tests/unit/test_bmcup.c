/* test_bmcup.c - finding components in firmware inventories shaped as
 * real BMCs send them (bmcweb, Supermicro, iDRAC), not as the emulator
 * does: what `--component bios` resolves to, and what the backup is. */
#include <stdio.h>
#include <string.h>

#include "engine/sf_bmcup.h"
#include "sf_test.h"

/* Add one member from JSON text to inv. */
static void add(struct sf_bmc_inv *inv, const char *json)
{
    struct sf_errctx ec = { 0 };
    if (sf_rf_parse_fw(json, strlen(json), &inv->fw[inv->n], &ec))
        sf_test_fail(__FILE__, __LINE__, "parse: %s", ec.msg);
    inv->n++;
}

#define FW(id, extra) \
    "{\"@odata.id\":\"/redfish/v1/UpdateService/FirmwareInventory/" id "\",\"Id\":\"" id "\"," extra "}"

SF_TEST(bmcup_bmcweb_shape)
{
    /* bmcweb: hashed Ids, one generic Name, RelatedItem and Description. */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("1a2b3c4d", "\"Name\":\"Software Inventory\",\"Description\":\"BMC image\","
                 "\"Version\":\"2.14.0\",\"Status\":{\"State\":\"Enabled\",\"Health\":\"OK\"},"
                 "\"RelatedItem\":[{\"@odata.id\":\"/redfish/v1/Managers/bmc\"}]"));
    add(&inv, FW("9f8e7d6c", "\"Name\":\"Software Inventory\",\"Description\":\"BMC image\","
                 "\"Version\":\"2.13.0\",\"Status\":{\"State\":\"Disabled\",\"Health\":\"OK\"}"));
    add(&inv, FW("5e5e5e5e", "\"Name\":\"Software Inventory\",\"Description\":\"Host image\","
                 "\"Version\":\"1.4\",\"Status\":{\"State\":\"Enabled\",\"Health\":\"OK\"},"
                 "\"RelatedItem\":[{\"@odata.id\":\"/redfish/v1/Systems/system/Bios\"}]"));
    const struct sf_rf_fw *f = sf_bmcup_find(&inv, "bmc");
    CHECK(f != NULL);
    CHECK_STR(f->id, "1a2b3c4d"); /* the Disabled one is not what runs */
    CHECK_STR(f->manager, "/redfish/v1/Managers/bmc");
    f = sf_bmcup_find(&inv, "bios");
    CHECK(f != NULL);
    CHECK_STR(f->id, "5e5e5e5e");
    CHECK(sf_bmcup_find(&inv, "me") == NULL);
    CHECK(sf_bmcup_find(&inv, "5E5E5E5E") == f); /* Ids are names too */
    char key[32];
    sf_bmcup_key(&inv, f, key, sizeof(key));
    CHECK_STR(key, "bios");
    CHECK_STR(sf_bmcup_label(f, key), "bios");
}

SF_TEST(bmcup_supermicro_shape)
{
    /* Exact Ids win over classes: BIOS, not Golden_BIOS or Staging_BIOS. */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("BMC", "\"Name\":\"BMC Firmware\",\"Version\":\"01.02.03\""));
    add(&inv, FW("BIOS", "\"Name\":\"BIOS\",\"Version\":\"2.1\",\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("Backup_BIOS", "\"Name\":\"Backup BIOS\",\"Version\":\"2.0\","
                 "\"Status\":{\"State\":\"StandbySpare\",\"Health\":\"Warning\"}"));
    add(&inv, FW("Golden_BIOS", "\"Name\":\"Golden BIOS\",\"Version\":\"1.0\","
                 "\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("Staging_BIOS", "\"Name\":\"Staging BIOS\",\"Version\":\"2.2\",\"Staged\":true"));
    const struct sf_rf_fw *f = sf_bmcup_find(&inv, "bios");
    CHECK(f != NULL);
    CHECK_STR(f->id, "BIOS");
    f = sf_bmcup_find_backup(&inv, "bios");
    CHECK(f != NULL);
    CHECK_STR(f->id, "Backup_BIOS");
    CHECK_STR(sf_bmcup_find(&inv, "bmc")->id, "BMC");
}

SF_TEST(bmcup_idrac_shape)
{
    /* iDRAC: Installed-/Previous- pairs with the same Name; only the
     * installed one runs. */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("Installed-159-2.13.3__BIOS.Setup.1-1", "\"Name\":\"BIOS\",\"Version\":\"2.13.3\","
                 "\"Updateable\":true,\"SoftwareId\":\"159\",\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("Previous-159-2.12.2__BIOS.Setup.1-1", "\"Name\":\"BIOS\",\"Version\":\"2.12.2\","
                 "\"Updateable\":true,\"SoftwareId\":\"159\",\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("Installed-25227-6.10.30.20__iDRAC.Embedded.1-1",
                 "\"Name\":\"Integrated Dell Remote Access Controller\",\"Version\":\"6.10.30.20\","
                 "\"SoftwareId\":\"25227\",\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("Installed-0-22.31.6__NIC.Integrated.1-1-1", "\"Name\":\"Broadcom Gigabit "
                 "Ethernet BCM5720\",\"Version\":\"22.31.6\",\"Status\":{\"State\":\"Enabled\"}"));
    const struct sf_rf_fw *f = sf_bmcup_find(&inv, "bios");
    CHECK(f != NULL);
    CHECK_STR(f->version, "2.13.3");
    f = sf_bmcup_find(&inv, "bmc");
    CHECK(f != NULL);
    CHECK_STR(f->version, "6.10.30.20");
    /* A word inside another word is not that word ("BCM5720" is no BMC,
     * "Remote" holds no "me"). */
    CHECK(sf_bmcup_find(&inv, "me") == NULL);
    CHECK(sf_bmcup_class(&inv.fw[3]) == NULL);
}

SF_TEST(bmcup_ambiguous)
{
    /* Two running members that both say "BIOS": no guess. */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("a", "\"Name\":\"BIOS\",\"Version\":\"1\""));
    add(&inv, FW("b", "\"Name\":\"BIOS\",\"Version\":\"2\""));
    add(&inv, FW("c", "\"Name\":\"BMC and BIOS bundle\",\"Version\":\"3\""));
    CHECK(sf_bmcup_find(&inv, "bios") == NULL);
    CHECK(sf_bmcup_class(&inv.fw[2]) == NULL); /* says two things */
    CHECK(sf_bmcup_find(&inv, "b") == &inv.fw[1]);
}

SF_TEST(bmcup_hpe_shape)
{
    /* iLO: numbered Ids with trailing slashes, the BIOS called "System
     * ROM" and its backup "Redundant System ROM" - both "Enabled". */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("1/", "\"Name\":\"iLO 5\",\"Version\":\"2.78 Apr 28 2023\",\"Updateable\":true,"
                 "\"Status\":{\"State\":\"Enabled\",\"Health\":\"OK\"}"));
    add(&inv, FW("2/", "\"Name\":\"System ROM\",\"Version\":\"U30 v2.80 (10/16/2023)\","
                 "\"Updateable\":true,\"Status\":{\"State\":\"Enabled\",\"Health\":\"OK\"}"));
    add(&inv, FW("3/", "\"Name\":\"Redundant System ROM\",\"Version\":\"U30 v2.76 (02/09/2023)\","
                 "\"Updateable\":false,\"Status\":{\"State\":\"Enabled\",\"Health\":\"Critical\"}"));
    add(&inv, FW("4/", "\"Name\":\"Server Platform Services (SPS) Firmware\","
                 "\"Version\":\"4.1.4.804\",\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("5/", "\"Name\":\"Intelligent Platform Abstraction Data\","
                 "\"Version\":\"14.2.0 Build 8\",\"Status\":{\"State\":\"Enabled\"}"));
    const struct sf_rf_fw *f = sf_bmcup_find(&inv, "bios");
    CHECK(f != NULL);
    CHECK_STR(f->id, "2/");
    f = sf_bmcup_find_backup(&inv, "bios");
    CHECK(f != NULL);
    CHECK_STR(f->id, "3/");
    CHECK(sf_bmcup_is_backup(f));
    CHECK(!sf_bmcup_running(f));
    CHECK_STR(sf_bmcup_find(&inv, "bmc")->id, "1/");
    CHECK_STR(sf_bmcup_find(&inv, "me")->id, "4/");
    CHECK(sf_bmcup_class(&inv.fw[4]) == NULL);
}

SF_TEST(bmcup_named_copies)
{
    /* Copies that still say "Enabled" are never what runs, so a class
     * lookup is not made ambiguous by them. */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("bios_a", "\"Name\":\"UEFI firmware\",\"Version\":\"3\""));
    add(&inv, FW("bios_g", "\"Name\":\"Golden UEFI firmware\",\"Version\":\"1\","
                 "\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("bios_r", "\"Name\":\"UEFI recovery\",\"Version\":\"1\""));
    add(&inv, FW("bios_b", "\"Name\":\"UEFI backup\",\"Version\":\"2\""));
    const struct sf_rf_fw *f = sf_bmcup_find(&inv, "bios");
    CHECK(f != NULL);
    CHECK_STR(f->id, "bios_a");
    CHECK_STR(sf_bmcup_find_backup(&inv, "bios")->id, "bios_b");
    CHECK(!sf_bmcup_is_backup(&inv.fw[1])); /* golden is not the backup a save writes */
}
