/*
 * sf_emu_state.c - the emulator's shared state file.  See sf_emu_state.h.
 */
#define _GNU_SOURCE
#include "sf_emu_state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Total file size for a config: header plus one staging buffer per
 * subenclosure, each rounded to 4 KiB so buffers stay page aligned. */
static size_t layout_size(const struct sf_emu_conf *c)
{
    size_t sz = (sizeof(struct sf_emu_state) + 4095) & ~(size_t)4095;
    for (size_t d = 0; d < c->ndev; d++)
        for (size_t s = 0; s < c->dev[d].nsub; s++)
            sz += ((size_t)c->dev[d].sub[s].max_image + 4095) & ~(size_t)4095;
    return sz;
}

static void init_state(const struct sf_emu_conf *c, struct sf_emu_state *st, size_t size)
{
    memset(st, 0, sizeof(*st));
    memcpy(st->magic, SF_EMU_STATE_MAGIC, 8);
    st->version = SF_EMU_STATE_VERSION;
    st->ndev = (uint32_t)c->ndev;
    st->conf_hash = c->hash;
    st->size = size;
    size_t off = (sizeof(struct sf_emu_state) + 4095) & ~(size_t)4095;
    for (size_t d = 0; d < c->ndev; d++) {
        struct sf_emu_dev_state *ds = &st->dev[d];
        /* A generation code starts at an arbitrary value on real devices;
         * starting at 1 makes a stale 0 in a control page detectable. */
        ds->gen = 1;
        ds->nsub = (uint32_t)c->dev[d].nsub;
        ds->sync_on = (uint8_t)c->dev[d].partner_sync;
        for (size_t s = 0; s < c->dev[d].nsub; s++) {
            struct sf_emu_sub_state *ss = &ds->sub[s];
            memcpy(ss->revision, c->dev[d].sub[s].revision, sizeof(ss->revision));
            ss->expected_offset = 0;
            ss->buf_off = off;
            ss->buf_cap = c->dev[d].sub[s].max_image;
            off += ((size_t)ss->buf_cap + 4095) & ~(size_t)4095;
        }
    }
}

int sf_emu_state_open(const struct sf_emu_conf *conf, struct sf_emu_state_map *m,
                      struct sf_errctx *ec)
{
    memset(m, 0, sizeof(*m));
    pthread_mutex_init(&m->mu, NULL);
    m->fd = -1;
    int fd = open(conf->state_path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0)
        return sf_err_set(ec, SF_ESTATE, "emulator state %s: %s", conf->state_path,
                          strerror(errno));
    size_t size = layout_size(conf);
    int rc = 0;
    if (flock(fd, LOCK_EX) < 0) {
        rc = sf_err_set(ec, SF_ESTATE, "emulator state %s: lock: %s", conf->state_path,
                        strerror(errno));
        goto fail;
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0) {
        rc = sf_err_set(ec, SF_ESTATE, "emulator state %s: %s", conf->state_path,
                        strerror(errno));
        goto fail_unlock;
    }
    struct sf_emu_state hdr;
    int valid = 0;
    if ((size_t)sb.st_size == size &&
        pread(fd, &hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr) &&
        !memcmp(hdr.magic, SF_EMU_STATE_MAGIC, 8) && hdr.version == SF_EMU_STATE_VERSION &&
        hdr.conf_hash == conf->hash && hdr.size == size && hdr.ndev == conf->ndev)
        valid = 1;
    if (!valid) {
        /* Truncate first so no stale staging data survives. */
        if (ftruncate(fd, 0) < 0 || ftruncate(fd, (off_t)size) < 0) {
            rc = sf_err_set(ec, SF_ESTATE, "emulator state %s: %s", conf->state_path,
                            strerror(errno));
            goto fail_unlock;
        }
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        rc = sf_err_set(ec, SF_ESTATE, "emulator state %s: mmap: %s", conf->state_path,
                        strerror(errno));
        goto fail_unlock;
    }
    if (!valid)
        init_state(conf, (struct sf_emu_state *)p, size);
    flock(fd, LOCK_UN);
    m->fd = fd;
    m->base = p;
    m->st = p;
    m->size = size;
    return 0;
fail_unlock:
    flock(fd, LOCK_UN);
fail:
    close(fd);
    return rc;
}

void sf_emu_state_close(struct sf_emu_state_map *m)
{
    if (!m)
        return;
    if (m->base)
        munmap(m->base, m->size);
    if (m->fd >= 0)
        close(m->fd);
    m->base = NULL;
    m->st = NULL;
    m->fd = -1;
}

int sf_emu_state_lock(struct sf_emu_state_map *m)
{
    pthread_mutex_lock(&m->mu);
    while (flock(m->fd, LOCK_EX) < 0)
        if (errno != EINTR) {
            pthread_mutex_unlock(&m->mu);
            return SF_ESTATE;
        }
    return 0;
}

void sf_emu_state_unlock(struct sf_emu_state_map *m)
{
    flock(m->fd, LOCK_UN);
    pthread_mutex_unlock(&m->mu);
}

uint8_t *sf_emu_state_buf(struct sf_emu_state_map *m, int dev, int sub)
{
    struct sf_emu_sub_state *ss = &m->st->dev[dev].sub[sub];
    if (ss->buf_off + ss->buf_cap > m->size)
        return NULL;
    return m->base + ss->buf_off;
}
