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

/* The name --component bmc/bios/me finds in inv, or "-" for none. */
static const char *found(const struct sf_bmc_inv *inv, const char *comp)
{
    const struct sf_rf_fw *f = sf_bmcup_find(inv, comp);
    return f ? f->id : "-";
}

SF_TEST(bmcup_vendor_bmc_names)
{
    /* What the major vendors call their BMC's own firmware, each alone in
     * an inventory beside a BIOS: --component bmc finds it by its words. */
    static const struct {
        const char *vendor, *member;
    } v[] = {
        { "Dell iDRAC, by name only",
          FW("25227", "\"Name\":\"Integrated Dell Remote Access Controller\",\"Version\":\"7.00\"") },
        { "HPE iLO 5", FW("1", "\"Name\":\"iLO 5\",\"Version\":\"3.08 Dec 17 2024\"") },
        { "HPE iLO 6", FW("1", "\"Name\":\"iLO 6\",\"Version\":\"1.62\"") },
        { "HPE spelled out", FW("1", "\"Name\":\"Integrated Lights-Out 6\",\"Version\":\"1.62\"") },
        { "HPE iLO 4 (CamelCase Ids)", FW("SystemBMC", "\"Name\":\"iLO\",\"Version\":\"2.82\"") },
        { "Lenovo XCC", FW("BMC-Primary", "\"Name\":\"XClarity Controller\",\"Version\":\"TEI3E4D-4.12\","
                           "\"SoftwareId\":\"TEI3E4D\"") },
        { "Lenovo XCC (Name Firmware:BMC)",
          FW("BMC-Primary", "\"Name\":\"Firmware:BMC\",\"SoftwareId\":\"BMC-CDI3-10\",\"Version\":\"40M-3.00\"") },
        { "Supermicro", FW("BMC", "\"Name\":\"BMC Firmware\",\"Version\":\"01.02.03\"") },
        { "Intel/AMI active", FW("bmc_active", "\"Name\":\"Active BMC Firmware\",\"Version\":\"2.48.89b32e0d\"") },
        { "OpenBMC bmcweb", FW("bmc_active", "\"Name\":\"Software Inventory\",\"Description\":\"BMC image\","
                               "\"Version\":\"v1.3rb93fad\"") },
        { "Huawei iBMC (CamelCase)", FW("ActiveBMC", "\"Name\":\"ActiveBMC\",\"Version\":\"3.03.00.12\"") },
        { "AMI MegaRAC", FW("BMCImage1", "\"Name\":\"Primary Baseboard Management Controller\","
                            "\"Version\":\"01.13.00\"") },
        { "NVIDIA BlueField, empty RelatedItem",
          FW("BMC_Firmware", "\"Name\":\"Software Inventory\",\"Description\":\"BMC image\","
                             "\"RelatedItem\":[],\"SoftwareId\":\"\",\"Version\":\"BF-23.09-1\"") },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        static struct sf_bmc_inv inv;
        memset(&inv, 0, sizeof(inv));
        add(&inv, v[i].member);
        add(&inv, FW("BIOS", "\"Name\":\"BIOS\",\"Version\":\"2.1\""));
        const char *cls = sf_bmcup_class(&inv.fw[0]);
        if (!cls || strcmp(cls, "bmc") || sf_bmcup_find(&inv, "bmc") != &inv.fw[0])
            sf_test_fail(__FILE__, __LINE__, "%s: class %s, --component bmc finds %s", v[i].vendor,
                         cls ? cls : "none", found(&inv, "bmc"));
        CHECK_STR(found(&inv, "bios"), "BIOS");
    }
}

SF_TEST(bmcup_vendor_full_inventories)
{
    static struct sf_bmc_inv inv;
    /* Lenovo XCC (a lab unit's 15 members, abridged): BMC-Primary runs;
     * BMC-Backup is the backup; the Pending slots are empty (Version null,
     * or "" on XCC3) - none of them makes "bmc" or "bios" ambiguous. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("BMC-Primary", "\"Name\":\"BMC-Primary\",\"Version\":\"TEI3E4D-4.12\",\"SoftwareId\":"
                 "\"TEI3E4D\",\"Status\":{\"State\":\"Enabled\",\"Health\":\"OK\"}"));
    add(&inv, FW("BMC-Primary-Pending", "\"Name\":\"BMC-Primary-Pending\",\"Version\":null,"
                 "\"Status\":{\"State\":\"Disabled\"}"));
    add(&inv, FW("BMC-Backup", "\"Name\":\"BMC-Backup\",\"Version\":\"TEI3E2D-4.10\","
                 "\"Status\":{\"State\":\"StandbySpare\"}"));
    add(&inv, FW("UEFI", "\"Name\":\"UEFI\",\"Version\":\"TEE180J-3.21\",\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("UEFI-Pending", "\"Name\":\"UEFI-Pending\",\"Version\":\"\",\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("LXPM", "\"Name\":\"LXPM\",\"Version\":\"PDL142H-3.30\""));
    CHECK_STR(found(&inv, "bmc"), "BMC-Primary");
    CHECK_STR(found(&inv, "bios"), "UEFI");
    CHECK_STR(sf_bmcup_find_backup(&inv, "bmc")->id, "BMC-Backup");
    CHECK(!sf_bmcup_is_staged(&inv.fw[1])); /* an empty slot holds nothing */
    CHECK(!sf_bmcup_is_staged(&inv.fw[4]));
    /* ... and once a UEFI image waits there, it is the staged one. */
    add(&inv, FW("UEFI-Pending", "\"Name\":\"UEFI-Pending\",\"Version\":\"TEE182J-3.30\""));
    CHECK(sf_bmcup_is_staged(&inv.fw[6]));
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "TEE180J-3.21", NULL, 0), SF_HELD_STAGED);

    /* Intel's OpenBMC with PFR: active and recovery copies of each. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("bmc_active", "\"Name\":\"BMC Firmware\",\"Version\":\"2.12.0\",\"SoftwareId\":"
                 "\"openbmc-phosphor-image\""));
    add(&inv, FW("bmc_recovery", "\"Name\":\"BMC Firmware\",\"Version\":\"2.10.0\""));
    add(&inv, FW("bios_active", "\"Name\":\"BIOS Firmware\",\"Version\":\"SE5C620.86B.02.01.0012\""));
    add(&inv, FW("bios_recovery", "\"Name\":\"BIOS Firmware\",\"Version\":\"SE5C620.86B.02.01.0010\""));
    add(&inv, FW("me", "\"Name\":\"ME Firmware\",\"Version\":\"4.1.4.339\""));
    CHECK_STR(found(&inv, "bmc"), "bmc_active");
    CHECK_STR(found(&inv, "bios"), "bios_active");
    CHECK_STR(found(&inv, "me"), "me");

    /* Huawei iBMC: CamelCase Ids; the Backup and Available copies are not
     * what runs; AvailableBMC holds an image waiting to be activated. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("ActiveBMC", "\"Name\":\"ActiveBMC\",\"Version\":\"3.03.00.12\""));
    add(&inv, FW("BackupBMC", "\"Name\":\"BackupBMC\",\"Version\":\"3.01.00.10\""));
    add(&inv, FW("AvailableBMC", "\"Name\":\"AvailableBMC\",\"Version\":\"3.05.00.01\""));
    add(&inv, FW("Bios", "\"Name\":\"Bios\",\"Version\":\"6.57\""));
    add(&inv, FW("MainBoardCPLD", "\"Name\":\"MainBoardCPLD\",\"Version\":\"1.04\""));
    CHECK_STR(found(&inv, "bmc"), "ActiveBMC");
    CHECK_STR(found(&inv, "bios"), "Bios");
    CHECK(sf_bmcup_is_backup(&inv.fw[1]));
    CHECK(sf_bmcup_is_staged(&inv.fw[2]));
    CHECK(sf_bmcup_class(&inv.fw[4]) == NULL); /* "MainBoard" holds no "me" */

    /* HPE iLO 6: "Power Management Controller Firmware" is no BMC. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("1", "\"Name\":\"iLO 6\",\"Version\":\"1.62\""));
    add(&inv, FW("2", "\"Name\":\"System ROM\",\"Version\":\"U54 v2.16 (03/01/2024)\""));
    add(&inv, FW("3", "\"Name\":\"Power Management Controller Firmware\",\"Version\":\"1.0.9\""));
    add(&inv, FW("4", "\"Name\":\"Redundant System ROM\",\"Version\":\"U54 v2.12 (12/13/2023)\""));
    CHECK_STR(found(&inv, "bmc"), "1");
    CHECK_STR(found(&inv, "bios"), "2");
    CHECK(sf_bmcup_class(&inv.fw[2]) == NULL);

    /* A real iLO 5's inventory (Gen10 Plus, abridged): numbered Ids, the
     * Description in CamelCase.  Two members say SPS - the firmware and
     * its descriptor - so "me" is refused as ambiguous, never guessed;
     * their Ids still name them. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("1", "\"Name\":\"iLO 5\",\"Description\":\"SystemBMC\",\"Version\":"
                 "\"2.55 Oct 01 2021\",\"Updateable\":true,\"Status\":{\"State\":\"Enabled\"}"));
    add(&inv, FW("2", "\"Name\":\"System ROM\",\"Description\":\"SystemRomActive\",\"Version\":"
                 "\"U46 v1.56 (11/29/2021)\",\"Updateable\":true"));
    add(&inv, FW("5", "\"Name\":\"Power Management Controller Firmware\",\"Description\":"
                 "\"PowerManagementController\",\"Version\":\"1.0.7\""));
    add(&inv, FW("9", "\"Name\":\"Server Platform Services (SPS) Firmware\",\"Description\":"
                 "\"SPSFirmwareVersionData\",\"Version\":\"4.4.4.53\""));
    add(&inv, FW("10", "\"Name\":\"Server Platform Services (SPS) Descriptor\",\"Description\":"
                 "\"SPSFirmwareDescriptor\",\"Version\":\"1.2 0\""));
    add(&inv, FW("11", "\"Name\":\"Redundant System ROM\",\"Description\":\"SystemRomBackup\","
                 "\"Version\":\"U46 v1.42 (05/26/2021)\",\"Updateable\":false"));
    add(&inv, FW("13", "\"Name\":\"Power Management Controller FW Bootloader\",\"Description\":"
                 "\"PowerManagementControllerBootloader\",\"Version\":\"1.1\""));
    CHECK_STR(found(&inv, "bmc"), "1");
    CHECK_STR(found(&inv, "bios"), "2");
    CHECK_STR(sf_bmcup_find_backup(&inv, "bios")->id, "11");
    CHECK_STR(found(&inv, "me"), "-");
    CHECK_STR(found(&inv, "9"), "9");

    /* HPE iLO 4's CamelCase Ids: SystemRomActive/SystemRomBackup. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("SystemRomActive", "\"Name\":\"SystemRomActive\",\"Version\":\"P89 v2.80\""));
    add(&inv, FW("SystemRomBackup", "\"Name\":\"SystemRomBackup\",\"Version\":\"P89 v2.76\""));
    add(&inv, FW("SystemBMC", "\"Name\":\"SystemBMC\",\"Version\":\"2.82\""));
    CHECK_STR(found(&inv, "bios"), "SystemRomActive");
    CHECK_STR(sf_bmcup_find_backup(&inv, "bios")->id, "SystemRomBackup");
    CHECK_STR(found(&inv, "bmc"), "SystemBMC");

    /* iDRAC: an uploaded package waits as Available- (same SoftwareId). */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("Installed-159-2.13.3__BIOS.Setup.1-1", "\"Name\":\"BIOS\",\"Version\":\"2.13.3\","
                 "\"SoftwareId\":\"159\""));
    add(&inv, FW("Available-159-2.14.1__BIOS.Setup.1-1", "\"Name\":\"BIOS\",\"Version\":\"2.14.1\","
                 "\"SoftwareId\":\"159\""));
    CHECK_STR(found(&inv, "bios"), "Installed-159-2.13.3__BIOS.Setup.1-1");
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "2.14.1", "2.13.3", NULL, 0), SF_HELD_STAGED);
    /* A package promising another version: that staged image is not it. */
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "2.15.0", "2.13.3", NULL, 0), SF_HELD_GONE);
}

SF_TEST(bmcup_camel_case_words)
{
    /* Words inside CamelCase, but no word made of a lone leading letter
     * ("iDRAC" is idrac, not "DRAC"), and none across a run ("SME"). */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("a", "\"Name\":\"MEFirmware\""));
    add(&inv, FW("b", "\"Name\":\"SMEFirmware\""));
    add(&inv, FW("c", "\"Name\":\"iDRAC\""));
    add(&inv, FW("d", "\"Name\":\"HomeAssistant\""));
    add(&inv, FW("e", "\"Name\":\"LXPMWindowsDriver\""));
    CHECK_STR(sf_bmcup_class(&inv.fw[0]), "me");
    CHECK(sf_bmcup_class(&inv.fw[1]) == NULL);
    CHECK_STR(sf_bmcup_class(&inv.fw[2]), "bmc");
    CHECK(sf_bmcup_class(&inv.fw[3]) == NULL);
    CHECK(sf_bmcup_class(&inv.fw[4]) == NULL);
}

SF_TEST(bmcup_off_schema_related_item)
{
    /* bmcweb-shaped members whose RelatedItem is written off-schema still
     * say what they are. */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("1a2b", "\"Name\":\"Software Inventory\",\"Version\":\"2.14.0\","
                 "\"RelatedItem\":\"/redfish/v1/Managers/bmc\""));
    add(&inv, FW("5e5e", "\"Name\":\"Software Inventory\",\"Version\":\"1.4\","
                 "\"RelatedItem\":{\"@odata.id\":\"/redfish/v1/Systems/system/Bios\"}"));
    CHECK_STR(found(&inv, "bmc"), "1a2b");
    CHECK_STR(found(&inv, "bios"), "5e5e");
    CHECK_STR(inv.fw[0].manager, "/redfish/v1/Managers/bmc");
}

/* The emulator's inventory: bios runs R1, maybe a staged image. */
static void emu_inv(struct sf_bmc_inv *inv, const char *running, const char *staged)
{
    memset(inv, 0, sizeof(*inv));
    char m[300];
    snprintf(m, sizeof(m), FW("bios", "\"Name\":\"BIOS\",\"SoftwareId\":\"bios\",\"Version\":\"%s\","
                              "\"Status\":{\"State\":\"Enabled\"},\"Active\":true"), running);
    add(inv, m);
    add(inv, FW("bios_backup", "\"Name\":\"Backup_BIOS\",\"SoftwareId\":\"bios\",\"Version\":\"R0\","
                "\"Status\":{\"State\":\"StandbySpare\"}"));
    if (staged) {
        snprintf(m, sizeof(m), FW("bios_staged", "\"Name\":\"Staged_BIOS\",\"SoftwareId\":\"bios\","
                                  "\"Version\":\"%s\",\"Staged\":true,\"Status\":{\"State\":"
                                  "\"StandbyOffline\"}"), staged);
        add(inv, m);
    }
}

SF_TEST(bmcup_holds_staged)
{
    /* A journal's "staged" counts only while the BMC confirms it. */
    static struct sf_bmc_inv inv;
    char why[300];
    emu_inv(&inv, "R1", "R2");
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "R1", why, sizeof(why)), SF_HELD_STAGED);
    CHECK(strstr(why, "bios_staged") != NULL);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "R2", "R1", why, sizeof(why)), SF_HELD_STAGED);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "R3", "R1", why, sizeof(why)), SF_HELD_GONE);
    /* A BMC reset dropped it: gone, and the backup is no staged image. */
    emu_inv(&inv, "R1", NULL);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "R1", why, sizeof(why)), SF_HELD_GONE);
    CHECK(strstr(why, "still runs R1") != NULL);
    /* A host reset applied it already: what runs says so. */
    emu_inv(&inv, "R2", NULL);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "R2", "R1", why, sizeof(why)), SF_HELD_RUNS);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "R1", why, sizeof(why)), SF_HELD_RUNS);
    /* bmcweb's shape: hashed Ids, staged members found by class. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("5e5e", "\"Name\":\"Software Inventory\",\"Description\":\"Host image\",\"Version\":"
                 "\"1.4\",\"RelatedItem\":[{\"@odata.id\":\"/redfish/v1/Systems/system/Bios\"}]"));
    add(&inv, FW("77aa", "\"Name\":\"Software Inventory\",\"Description\":\"Host image\",\"Version\":"
                 "\"1.5\",\"Status\":{\"State\":\"Staged\"},"
                 "\"RelatedItem\":[{\"@odata.id\":\"/redfish/v1/Systems/system/Bios\"}]"));
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "1.4", NULL, 0), SF_HELD_STAGED);
    /* Active false: an image that is not running yet. */
    memset(&inv, 0, sizeof(inv));
    add(&inv, FW("me", "\"Name\":\"ME\",\"Version\":\"4.1\",\"Active\":true"));
    add(&inv, FW("me2", "\"Name\":\"ME\",\"Version\":\"4.2\",\"Active\":false"));
    CHECK_STR(found(&inv, "me"), "me");
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "me", "4.2", "4.1", NULL, 0), SF_HELD_STAGED);

    /* What the Redfish class asks after a kill and before activate: held,
     * gone (pushed again / nothing to activate), or applied already. */
    emu_inv(&inv, "R1", "R2");
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "R1", why, sizeof(why)), SF_HELD_STAGED);
    emu_inv(&inv, "R1", NULL);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "R1", why, sizeof(why)), SF_HELD_GONE);
    CHECK(strstr(why, "no staged image") != NULL);
    emu_inv(&inv, "R2", NULL);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bios", "", "R1", why, sizeof(why)), SF_HELD_RUNS);
    emu_inv(&inv, "R1", "R2");
    add(&inv, FW("me", "\"Name\":\"ME\",\"SoftwareId\":\"me\",\"Version\":\"4.1\""));
    add(&inv, FW("bmc", "\"Name\":\"BMC\",\"SoftwareId\":\"bmc\",\"Version\":\"2.11\""));
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "me", "4.2", "4.1", NULL, 0), SF_HELD_GONE);
    CHECK_EQ(sf_bmcup_holds_staged(&inv, "bmc", "2.11", "2.10", NULL, 0), SF_HELD_RUNS);
}

SF_TEST(bmcup_pull_only)
{
    /* A BMC that only pulls: a local image is refused before anything is
     * sent, with the way out; --pull is planned. */
    static struct sf_bmc_inv inv;
    memset(&inv, 0, sizeof(inv));
    snprintf(inv.us.simple_update, sizeof(inv.us.simple_update), "/su");
    snprintf(inv.us.inventory, sizeof(inv.us.inventory), "/fw");
    add(&inv, FW("BIOS", "\"Name\":\"BIOS\",\"Version\":\"1\""));
    static struct sf_bmc_plan p;
    memset(&p, 0, sizeof(p));
    static const uint8_t img[4] = { 1, 2, 3, 4 };
    snprintf(p.it[0].comp, sizeof(p.it[0].comp), "bios");
    p.it[0].img = img;
    p.it[0].len = sizeof(img);
    p.n = 1;
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_bmcup_plan(&inv, &p, &ec), SF_ENOTSUP);
    CHECK(strstr(ec.msg, "--pull URL") != NULL);
    p.it[0].img = NULL;
    p.it[0].len = 0;
    snprintf(p.it[0].pull, sizeof(p.it[0].pull), "http://h/bios.img");
    CHECK_EQ(sf_bmcup_plan(&inv, &p, &ec), 0);
    char m[200];
    sf_bmcup_methods(&inv.us, m, sizeof(m));
    CHECK(strstr(m, "pull only") != NULL);
    /* Neither push nor pull: said so. */
    inv.us.simple_update[0] = '\0';
    p.it[0].pull[0] = '\0';
    CHECK_EQ(sf_bmcup_plan(&inv, &p, &ec), SF_ENOTSUP);
    CHECK(strstr(ec.msg, "nor SimpleUpdate") != NULL);
}
