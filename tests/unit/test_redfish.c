/* test_redfish.c - the Redfish codec (targets, resources real BMCs send)
 * and the emulated BMC's image format. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu/sf_bmcimg.h"
#include "proto/sf_redfish.h"
#include "safeflash/sf_err.h"
#include "sf_test.h"

SF_TEST(redfish_targets)
{
    struct sf_rf_target t;
    char why[200];
    CHECK_EQ(sf_rf_parse_target("redfish://admin@bmc.example.com", &t, why, sizeof(why)), 0);
    CHECK_STR(t.user, "admin");
    CHECK_STR(t.host, "bmc.example.com");
    CHECK_EQ(t.port, 0);
    CHECK_EQ(sf_rf_parse_target("redfish://root@[fe80::1]:8443/", &t, why, sizeof(why)), 0);
    CHECK_STR(t.host, "[fe80::1]");
    CHECK_EQ(t.port, 8443);
    static const struct {
        const char *s, *why;
    } bad[] = {
        { "https://admin@bmc", "redfish://USER@HOST" },
        { "redfish://bmc", "user is missing" },
        { "redfish://admin:secret@bmc", "no password in the target" },
        { "redfish://admin@", "host is missing" },
        { "redfish://admin@bmc:0", "bad port" },
        { "redfish://admin@bmc:65536", "bad port" },
        { "redfish://admin@bmc/redfish/v1", "nothing may follow" },
        { "redfish://admin@[::1", "']' missing" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        why[0] = '\0';
        CHECK_EQ(sf_rf_parse_target(bad[i].s, &t, why, sizeof(why)), SF_EINVAL);
        if (!strstr(why, bad[i].why))
            sf_test_fail(__FILE__, __LINE__, "%s: '%s' lacks '%s'", bad[i].s, why, bad[i].why);
    }
    CHECK(sf_rf_host_is_loopback("127.0.0.1"));
    CHECK(sf_rf_host_is_loopback("127.1.2.3"));
    CHECK(sf_rf_host_is_loopback("[::1]"));
    CHECK(!sf_rf_host_is_loopback("127.evil.example"));
    CHECK(!sf_rf_host_is_loopback("10.0.0.1"));
}

#define J(s) s, strlen(s)

SF_TEST(redfish_resources_as_bmcs_send_them)
{
    struct sf_errctx ec = { 0 };
    struct sf_rf_root r;
    /* bmcweb-style root: Links.Sessions. */
    CHECK_EQ(sf_rf_parse_root(J("{\"@odata.id\":\"/redfish/v1\",\"RedfishVersion\":\"1.17.0\","
                                "\"Links\":{\"Sessions\":{\"@odata.id\":\"/redfish/v1/"
                                "SessionService/Sessions\"}},\"UpdateService\":{\"@odata.id\":"
                                "\"/redfish/v1/UpdateService\"}}"), &r, &ec), 0);
    CHECK_STR(r.sessions, "/redfish/v1/SessionService/Sessions");
    CHECK_STR(r.update_service, "/redfish/v1/UpdateService");
    CHECK_EQ(sf_rf_parse_root(J("{\"Systems\":{}}"), &r, &ec), SF_ENOTSUP);
    CHECK_EQ(sf_rf_parse_root(J("{\"a\":1} trailing"), &r, &ec), SF_EMALFORMED);
    CHECK_EQ(sf_rf_parse_root(J("[]"), &r, &ec), SF_EMALFORMED);

    static struct sf_rf_update u;
    CHECK_EQ(sf_rf_parse_update(J("{\"HttpPushUri\":\"/redfish/v1/UpdateService/update\","
                                  "\"MultipartHttpPushUri\":\"/m\",\"FirmwareInventory\":"
                                  "{\"@odata.id\":\"/fw\"},\"HttpPushUriOptions\":{"
                                  "\"HttpPushUriApplyTime\":{\"ApplyTime@Redfish.AllowableValues\":"
                                  "[\"Immediate\",\"OnReset\",\"Bogus\"]}},\"Actions\":{"
                                  "\"#UpdateService.StartUpdate\":{\"target\":\"/su\"}}}"),
                             &u, &ec), 0);
    CHECK_STR(u.multipart_uri, "/m");
    CHECK_STR(u.start_update, "/su");
    CHECK_EQ(u.apply_times, SF_RF_APPLY_IMMEDIATE | SF_RF_APPLY_ON_RESET);
    /* A BMC that only pulls (older servers): read, not refused - what it
     * runs is worth showing; the plan refuses a push to it. */
    CHECK_EQ(sf_rf_parse_update(J("{\"FirmwareInventory\":{\"@odata.id\":\"/fw\"},\"Actions\":{"
                                  "\"#UpdateService.SimpleUpdate\":{\"target\":\"/s\"}}}"), &u, &ec),
             0);
    CHECK_STR(u.push_uri, "");
    CHECK_STR(u.multipart_uri, "");
    CHECK_STR(u.simple_update, "/s");
    /* Without a FirmwareInventory there is nothing to read. */
    CHECK_EQ(sf_rf_parse_update(J("{\"HttpPushUri\":\"/p\"}"), &u, &ec), SF_EMALFORMED);

    static struct sf_rf_members m;
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":[{\"@odata.id\":\"/a\"},{\"@odata.id\":\"/b\"}]}"),
                                 &m, &ec), 0);
    CHECK_EQ(m.n, 2);
    CHECK_STR(m.uri[1], "/b");
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":[{\"@odata.id\":\"http://x/a\"}]}"), &m, &ec),
             SF_EMALFORMED);

    /* Supermicro-style backup BIOS with a condition. */
    static struct sf_rf_fw f;
    CHECK_EQ(sf_rf_parse_fw(J("{\"@odata.id\":\"/fw/Backup_BIOS\",\"Id\":\"Backup_BIOS\","
                              "\"Version\":\"1.2\",\"Updateable\":false,\"Status\":{\"State\":"
                              "\"StandbySpare\",\"Health\":\"Critical\",\"Conditions\":[{"
                              "\"Message\":\"flash verify failed\"}]}}"), &f, &ec), 0);
    CHECK(f.backup);
    CHECK_EQ(f.updateable, 0);
    CHECK_STR(f.health, "Critical");
    CHECK_STR(f.condition, "flash verify failed");
    CHECK_EQ(sf_rf_parse_fw(J("{\"Id\":\"x\"}"), &f, &ec), SF_EMALFORMED); /* no @odata.id */

    static struct sf_rf_task t;
    CHECK_EQ(sf_rf_parse_task(J("{\"TaskState\":\"Completed\",\"PercentComplete\":140,\"Messages\":"
                                "[{\"MessageId\":\"Update.1.0.TransferringToComponent\"},{"
                                "\"MessageId\":\"Update.1.0.UpdateSuccessful\",\"Message\":\"ok\"}]}"),
                              &t, &ec), 0);
    CHECK_EQ(t.state, SF_RF_TASK_COMPLETED);
    CHECK_EQ(t.percent, 100);
    CHECK_STR(t.message_id, "Update.1.0.UpdateSuccessful");
    CHECK(sf_rf_task_final(t.state));
    CHECK_EQ(sf_rf_parse_task(J("{\"TaskState\":\"Warped\"}"), &t, &ec), 0);
    CHECK_EQ(t.state, SF_RF_TASK_UNKNOWN);
    CHECK(!sf_rf_task_final(t.state));

    char msg[100];
    sf_rf_error_message(J("{\"error\":{\"code\":\"Base.1.8.GeneralError\",\"message\":\"m\","
                          "\"@Message.ExtendedInfo\":[{\"Message\":\"too large\"}]}}"), msg,
                        sizeof(msg));
    CHECK_STR(msg, "too large");
    sf_rf_error_message(J("not json"), msg, sizeof(msg));
    CHECK_STR(msg, "");

    char *p = sf_rf_update_params("/redfish/v1/UpdateService/FirmwareInventory/bios",
                                  SF_RF_APPLY_ON_RESET);
    CHECK_STR(p, "{\"Targets\":[\"/redfish/v1/UpdateService/FirmwareInventory/bios\"],"
                 "\"@Redfish.OperationApplyTime\":\"OnReset\"}");
    free(p);
    p = sf_rf_login_body("ad\"min", "pw");
    CHECK_STR(p, "{\"UserName\":\"ad\\\"min\",\"Password\":\"pw\"}");
    free(p);
}

SF_TEST(redfish_uris_as_bmcs_write_them)
{
    char p[64];
    /* Paths as they are; iLO's absolute Locations become their paths. */
    CHECK_EQ(sf_rf_uri_path("/redfish/v1/TaskService/Tasks/3/Monitor", p, sizeof(p)), 0);
    CHECK_STR(p, "/redfish/v1/TaskService/Tasks/3/Monitor");
    CHECK_EQ(sf_rf_uri_path("https://10.0.0.9/redfish/v1/SessionService/Sessions/ab12/", p,
                            sizeof(p)), 0);
    CHECK_STR(p, "/redfish/v1/SessionService/Sessions/ab12/");
    CHECK_EQ(sf_rf_uri_path("HTTP://[fe80::1]:8443/redfish/v1/x?$skip=2", p, sizeof(p)), 0);
    CHECK_STR(p, "/redfish/v1/x?$skip=2");
    CHECK_EQ(sf_rf_uri_path("https://bmc", p, sizeof(p)), 0);
    CHECK_STR(p, "/");
    /* Nothing else: empty, relative, scheme-relative, another scheme, no
     * host, bytes that would break a request line, too long. */
    const char *bad[] = { "", "redfish/v1", "//evil/redfish/v1", "ftp://h/x", "https:///x",
                          "/a b", "/a\r\nX-Auth-Token: y", "https://h//x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_EQ(sf_rf_uri_path(bad[i], p, sizeof(p)), SF_EMALFORMED);
        CHECK_STR(p, "");
    }
    char small[8];
    CHECK_EQ(sf_rf_uri_path("/redfish/v1", small, sizeof(small)), SF_EMALFORMED);

    CHECK_EQ(sf_rf_odata_id(J("{\"@odata.id\":\"https://h/redfish/v1/S/1\"}"), p, sizeof(p)), 0);
    CHECK_STR(p, "/redfish/v1/S/1");
    CHECK_EQ(sf_rf_odata_id(J("{\"Id\":\"1\"}"), p, sizeof(p)), SF_EMALFORMED);
    CHECK_EQ(sf_rf_odata_id(J("not json"), p, sizeof(p)), SF_EMALFORMED);

    /* A collection in pages: members append, nextLink says where next. */
    struct sf_errctx ec = { 0 };
    static struct sf_rf_members m;
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":[{\"@odata.id\":\"/a\"}],"
                                   "\"Members@odata.nextLink\":\"/c?$skip=1\"}"), &m, &ec), 0);
    CHECK_EQ(m.n, 1);
    CHECK_STR(m.next, "/c?$skip=1");
    CHECK_EQ(sf_rf_parse_members_page(J("{\"Members\":[{\"@odata.id\":\"/b\"}]}"), &m, &ec), 0);
    CHECK_EQ(m.n, 2);
    CHECK_STR(m.uri[1], "/b");
    CHECK_STR(m.next, "");
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":[],\"Members@odata.nextLink\":\"x y\"}"), &m,
                                 &ec), SF_EMALFORMED);

    /* HPE's trailing slashes: RelatedItem still says what a member is,
     * and the Manager is kept as written (it becomes a push target). */
    static struct sf_rf_fw f;
    CHECK_EQ(sf_rf_parse_fw(J("{\"@odata.id\":\"/redfish/v1/UpdateService/FirmwareInventory/1/\","
                              "\"Id\":\"1\",\"RelatedItem\":[{\"@odata.id\":"
                              "\"/redfish/v1/Systems/1/\"}]}"), &f, &ec), 0);
    CHECK_EQ(f.rel_bios, 1);
    CHECK_EQ(sf_rf_parse_fw(J("{\"@odata.id\":\"/fw/2/\",\"Id\":\"2\",\"RelatedItem\":["
                              "{\"@odata.id\":\"/redfish/v1/Managers/1/\"}]}"), &f, &ec), 0);
    CHECK_STR(f.manager, "/redfish/v1/Managers/1/");
    CHECK_EQ(f.rel_bios, 0);
}

SF_TEST(bmc_image_format)
{
    uint8_t *img = NULL;
    size_t len = 0;
    CHECK_EQ(sf_bmcimg_make("bios", "R01.02", 1000, &img, &len), 0);
    CHECK_EQ(len, SF_BMCIMG_HDR + 1000);
    struct sf_bmcimg im;
    char why[200];
    CHECK_EQ(sf_bmcimg_decode(img, len, &im, why, sizeof(why)), 0);
    CHECK_STR(im.component, "bios");
    CHECK_STR(im.version, "R01.02");
    CHECK_EQ(sf_bmcimg_decode(img, len - 1, &im, why, sizeof(why)), SF_ETRUNC);
    img[SF_BMCIMG_HDR + 10] ^= 1;
    CHECK_EQ(sf_bmcimg_decode(img, len, &im, why, sizeof(why)), SF_EINTEGRITY);
    img[0] = 'X';
    CHECK_EQ(sf_bmcimg_decode(img, len, &im, why, sizeof(why)), SF_EMALFORMED);
    free(img);
    CHECK_EQ(sf_bmcimg_make("", "1", 10, &img, &len), SF_EINVAL);
}

SF_TEST(redfish_links_off_schema)
{
    /* Services write links off the schema; they are read, not refused. */
    struct sf_errctx ec = { 0 };
    static struct sf_rf_fw f;
    static const char *const bmc_rel[] = {
        "\"RelatedItem\":[{\"@odata.id\":\"/redfish/v1/Managers/1\"}]", /* the schema */
        "\"RelatedItem\":\"/redfish/v1/Managers/1\"",                     /* a bare string */
        "\"RelatedItem\":{\"@odata.id\":\"/redfish/v1/Managers/1\"}",    /* one object */
        "\"RelatedItem\":[\"/redfish/v1/Managers/1\"]",                   /* strings */
        "\"RelatedItem\":[{\"@odata.id\":\"https://10.0.0.9/redfish/v1/Managers/1\"}]",
        "\"RelatedItem\":[{},{\"Oem\":1},{\"@odata.id\":\"/redfish/v1/Managers/1\"}]",
    };
    for (size_t i = 0; i < sizeof(bmc_rel) / sizeof(bmc_rel[0]); i++) {
        char j[400];
        snprintf(j, sizeof(j), "{\"@odata.id\":\"/fw/1\",\"Id\":\"1\",%s}", bmc_rel[i]);
        CHECK_EQ(sf_rf_parse_fw(j, strlen(j), &f, &ec), 0);
        if (strcmp(f.manager, "/redfish/v1/Managers/1"))
            sf_test_fail(__FILE__, __LINE__, "%s: manager '%s'", bmc_rel[i], f.manager);
    }
    static const char *const bios_rel[] = {
        "\"RelatedItem\":\"/redfish/v1/Systems/1/Bios\"",
        "\"RelatedItem\":{\"@odata.id\":\"/redfish/v1/Systems/system\"}",
        "\"RelatedItem\":[\"/redfish/v1/Systems/1/Bios/\"]",
    };
    for (size_t i = 0; i < sizeof(bios_rel) / sizeof(bios_rel[0]); i++) {
        char j[400];
        snprintf(j, sizeof(j), "{\"@odata.id\":\"/fw/2\",\"Id\":\"2\",%s}", bios_rel[i]);
        CHECK_EQ(sf_rf_parse_fw(j, strlen(j), &f, &ec), 0);
        if (f.rel_bios != 1 || f.manager[0])
            sf_test_fail(__FILE__, __LINE__, "%s: not the BIOS", bios_rel[i]);
    }
    /* Nothing usable is nothing, not an error: null, numbers, an empty
     * array, a link to something else. */
    static const char *const none[] = { "null", "7", "[]", "[7,true]", "\"\"",
                                        "\"/redfish/v1/Chassis/1\"", "{\"@odata.id\":3}" };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        char j[300];
        snprintf(j, sizeof(j), "{\"@odata.id\":\"/fw/3\",\"Id\":\"3\",\"RelatedItem\":%s}",
                 none[i]);
        CHECK_EQ(sf_rf_parse_fw(j, strlen(j), &f, &ec), 0);
        CHECK(!f.manager[0] && !f.rel_bios);
    }
    /* An Id left out or empty: the last segment of the URI (found by the
     * fuzzer: an empty Id was taken as one). */
    CHECK_EQ(sf_rf_parse_fw(J("{\"@odata.id\":\"/redfish/v1/UpdateService/FirmwareInventory/BMC/\","
                              "\"Id\":\"\"}"), &f, &ec), 0);
    CHECK_STR(f.id, "BMC");
    CHECK_EQ(sf_rf_parse_fw(J("{\"@odata.id\":\"/fw/7\"}"), &f, &ec), 0);
    CHECK_STR(f.id, "7");
    CHECK_EQ(sf_rf_parse_fw(J("{\"@odata.id\":\"/\",\"Id\":\"\"}"), &f, &ec), SF_EMALFORMED);
    /* An off-schema state for an image that waits. */
    CHECK_EQ(sf_rf_parse_fw(J("{\"@odata.id\":\"/fw/4\",\"Id\":\"4\",\"Status\":{\"State\":"
                              "\"Staged\"}}"), &f, &ec), 0);
    CHECK(f.staged);

    /* Links.ManagedBy of a ComputerSystem, in each shape. */
    static struct sf_rf_system sys;
    static const char *const mb[] = {
        "[{\"@odata.id\":\"/redfish/v1/Managers/bmc\"}]", "{\"@odata.id\":\"/redfish/v1/Managers/bmc\"}",
        "\"/redfish/v1/Managers/bmc\"", "[\"/redfish/v1/Managers/bmc\",\"/redfish/v1/Managers/2\"]",
    };
    for (size_t i = 0; i < sizeof(mb) / sizeof(mb[0]); i++) {
        char j[400];
        snprintf(j, sizeof(j), "{\"@odata.id\":\"/redfish/v1/Systems/1\",\"Links\":{\"ManagedBy\":"
                 "%s}}", mb[i]);
        CHECK_EQ(sf_rf_parse_system(j, strlen(j), &sys, &ec), 0);
        if (strcmp(sys.managed_by, "/redfish/v1/Managers/bmc"))
            sf_test_fail(__FILE__, __LINE__, "%s: managed_by '%s'", mb[i], sys.managed_by);
    }
    CHECK_EQ(sf_rf_parse_system(J("{\"@odata.id\":\"/redfish/v1/Systems/1\",\"Links\":{"
                                  "\"ManagedBy\":[{\"@odata.id\":\"/redfish/v1/Chassis/1\"}]}}"),
                                &sys, &ec), 0);
    CHECK_STR(sys.managed_by, "");
    /* A required URI that is empty is none (found by the fuzzer). */
    CHECK_EQ(sf_rf_parse_system(J("{\"@odata.id\":\"\"}"), &sys, &ec), SF_EMALFORMED);

    /* Collections whose Members are bare strings, or one link. */
    static struct sf_rf_members m;
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":[\"/a\",{\"@odata.id\":\"/b\"}]}"), &m, &ec), 0);
    CHECK_EQ(m.n, 2);
    CHECK_STR(m.uri[0], "/a");
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":{\"@odata.id\":\"/redfish/v1/Systems/1\"}}"),
                                 &m, &ec), 0);
    CHECK_EQ(m.n, 1);
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":[\"a\"]}"), &m, &ec), SF_EMALFORMED);
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":[{}]}"), &m, &ec), SF_EMALFORMED);
    CHECK_EQ(sf_rf_parse_members(J("{\"Members\":7}"), &m, &ec), SF_EMALFORMED);

    /* A single link written as a bare string (root, UpdateService). */
    struct sf_rf_root r;
    CHECK_EQ(sf_rf_parse_root(J("{\"UpdateService\":\"/redfish/v1/UpdateService\",\"Links\":{"
                                "\"Sessions\":\"/redfish/v1/SessionService/Sessions\"}}"), &r, &ec), 0);
    CHECK_STR(r.update_service, "/redfish/v1/UpdateService");
    CHECK_STR(r.sessions, "/redfish/v1/SessionService/Sessions");
    static struct sf_rf_update u;
    CHECK_EQ(sf_rf_parse_update(J("{\"HttpPushUri\":\"/p\",\"FirmwareInventory\":"
                                  "\"/redfish/v1/UpdateService/FirmwareInventory\"}"), &u, &ec), 0);
    CHECK_STR(u.inventory, "/redfish/v1/UpdateService/FirmwareInventory");
}
