/* test_scsi.c - the command layer's retry policy, over a scripted transport. */
#include "mock_transport.h"
#include "sf_test.h"
#include "transport/sf_scsi.h"

static unsigned g_slept;
static void fake_sleep(unsigned ms)
{
    g_slept += ms;
}

static struct sf_scsi setup(struct mock_transport *m)
{
    struct sf_scsi s;
    sf_scsi_init(&s, mock_base(m));
    s.sleep_ms = fake_sleep;
    g_slept = 0;
    return s;
}

static const struct mock_answer GOOD = { .status = 0 };

SF_TEST(scsi_unit_attention_is_retried_and_recorded)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    mock_push(m, (struct mock_answer){ .status = 2, .key = 6, .asc = 0x29 });
    mock_push(m, GOOD);
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_scsi_tur(&s, &ec), 0);
    CHECK_EQ(mock_count(m), 2);
    CHECK_EQ(s.ua_count, 1);
    CHECK_EQ(s.last_ua.asc, 0x29);
    sf_transport_close(mock_base(m));
}

SF_TEST(scsi_unit_attention_retries_are_bounded)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    mock_set(m, 0x00, 0, 0, (struct mock_answer){ .status = 2, .key = 6, .asc = 0x29 });
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_ECHECK);
    CHECK_EQ(mock_count(m), s.pol.max_ua_retries + 1);
    CHECK(strstr(ec.msg, "Unit Attention") != NULL);
    sf_transport_close(mock_base(m));
}

SF_TEST(scsi_busy_backs_off_then_gives_up)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    mock_push(m, (struct mock_answer){ .status = 0x08 });
    mock_push(m, (struct mock_answer){ .status = 0x28 });
    mock_push(m, GOOD);
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_scsi_tur(&s, &ec), 0);
    CHECK_EQ(g_slept, 2 * s.pol.busy_backoff_ms);

    mock_set(m, 0x00, 0, 0, (struct mock_answer){ .status = 0x08 });
    unsigned before = mock_count(m);
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_EBUSY);
    CHECK_EQ(mock_count(m) - before, s.pol.max_busy_retries + 1);
    CHECK(strstr(ec.msg, "BUSY") != NULL);
    sf_transport_close(mock_base(m));
}

SF_TEST(scsi_becoming_ready_waits_with_a_bound)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    mock_push(m, (struct mock_answer){ .status = 2, .key = 2, .asc = 4, .ascq = 1 });
    mock_push(m, GOOD);
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_scsi_tur(&s, &ec), 0);
    CHECK_EQ(g_slept, s.pol.not_ready_poll_ms);

    mock_set(m, 0x00, 0, 0, (struct mock_answer){ .status = 2, .key = 2, .asc = 4, .ascq = 1 });
    g_slept = 0;
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_EBUSY);
    CHECK(g_slept >= s.pol.max_not_ready_ms);
    CHECK(g_slept < s.pol.max_not_ready_ms + 2 * s.pol.not_ready_poll_ms);
    /* Medium not present (3Ah) is not transient: no waiting. */
    mock_set(m, 0x00, 0, 0, (struct mock_answer){ .status = 2, .key = 2, .asc = 0x3a });
    g_slept = 0;
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_EBUSY);
    CHECK_EQ(g_slept, 0);
    sf_transport_close(mock_base(m));
}

SF_TEST(scsi_illegal_request_surfaces_at_once_decoded)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    uint8_t buf[64];
    size_t got = 0;
    struct sf_errctx ec = { 0 };
    /* The mock answers unknown pages with ILLEGAL REQUEST 24h/00h. */
    CHECK_EQ(sf_scsi_receive_diag(&s, 0x0e, buf, sizeof(buf), &got, &ec), SF_ECHECK);
    CHECK_EQ(mock_count(m), 1);
    CHECK(sf_scsi_last_illegal_request(&s));
    CHECK_EQ(ec.have_scsi, 1);
    CHECK_EQ(ec.sense_key, 5);
    CHECK_EQ(ec.asc, 0x24);
    CHECK(strstr(ec.msg, "RECEIVE DIAGNOSTIC RESULTS page 0Eh") != NULL);
    CHECK(strstr(ec.msg, "Invalid field in cdb") != NULL);
    sf_transport_close(mock_base(m));
}

SF_TEST(scsi_transport_errors_are_not_retried)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    struct sf_errctx ec = { 0 };
    mock_push(m, (struct mock_answer){ .rc = SF_EIO });
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_EIO);
    mock_push(m, (struct mock_answer){ .rc = SF_ETIMEDOUT });
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_ETIMEDOUT);
    CHECK(strstr(ec.msg, "timed out") != NULL);
    mock_push(m, (struct mock_answer){ .rc = SF_ENODEV });
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_ENODEV);
    CHECK_EQ(mock_count(m), 3);
    sf_transport_close(mock_base(m));
}

SF_TEST(scsi_data_in_residual)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    static const uint8_t page[8] = { 0, 0, 0, 4, 0, 1, 2, 0xe };
    mock_set(m, 0x1c, 1, 0, (struct mock_answer){ .data = page, .len = sizeof(page) });
    uint8_t buf[100];
    size_t got = 0;
    CHECK_EQ(sf_scsi_receive_diag(&s, 0, buf, sizeof(buf), &got, NULL), 0);
    CHECK_EQ(got, 8);
    sf_transport_close(mock_base(m));
}

SF_TEST(scsi_aborted_command_is_retried_with_a_bound)
{
    struct mock_transport *m = mock_new("/dev/mock");
    struct sf_scsi s = setup(m);
    mock_push(m, (struct mock_answer){ .status = 2, .key = 0x0b, .asc = 0x47 });
    mock_push(m, GOOD);
    struct sf_errctx ec = { 0 };
    CHECK_EQ(sf_scsi_tur(&s, &ec), 0);
    CHECK_EQ(mock_count(m), 2);
    mock_set(m, 0x00, 0, 0, (struct mock_answer){ .status = 2, .key = 0x0b, .asc = 0x47 });
    unsigned before = mock_count(m);
    CHECK_EQ(sf_scsi_tur(&s, &ec), SF_ECHECK);
    CHECK_EQ(mock_count(m) - before, s.pol.max_busy_retries + 1);
    CHECK(strstr(ec.msg, "Aborted Command") != NULL);
    sf_transport_close(mock_base(m));
}
