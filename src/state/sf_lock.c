/*
 * sf_lock.c - per-enclosure lock.  See sf_lock.h.
 */
#define _GNU_SOURCE
#include "sf_lock.h"
#include "sf_history.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int sf_lock_acquire(const char *state_dir, const char *key, struct sf_errctx *ec)
{
    return sf_lock_acquire_named(state_dir, key, NULL, ec);
}

int sf_lock_acquire_named(const char *state_dir, const char *key, const char *what,
                          struct sf_errctx *ec)
{
    int mrc = sf_state_mkdir(state_dir, ec);
    if (mrc)
        return mrc;
    char dir[4096], path[4200];
    snprintf(dir, sizeof(dir), "%s/locks", state_dir);
    snprintf(path, sizeof(path), "%s/%s.lock", dir, key);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return sf_err_set(ec, SF_ESTATE, "%s: %s", dir, strerror(errno));
    /* Neither locks/ nor the lock file is followed when it is a symbolic
     * link: the pid is written into the lock file, which must not be able
     * to truncate whatever file a planted link names. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0 && (errno == ELOOP || errno == ENOTDIR))
        return sf_err_set(ec, SF_ESTATE, "refusing lock directory %s: not a directory (a "
                          "symbolic link?); remove it", dir);
    if (dfd < 0)
        return sf_err_set(ec, SF_ESTATE, "%s: %s", dir, strerror(errno));
    char name[300];
    snprintf(name, sizeof(name), "%s.lock", key);
    int fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY,
                    0644);
    int e = errno;
    close(dfd);
    if (fd < 0 && e == ELOOP)
        return sf_err_set(ec, SF_ESTATE, "refusing lock file %s: a symbolic link, not followed "
                          "(remove it)", path);
    if (fd < 0)
        return sf_err_set(ec, SF_ESTATE, "%s: %s", path, strerror(e));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sf_err_set(ec, SF_ESTATE, "refusing lock file %s: not a regular file (remove it)",
                          path);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
        if (n > 0)
            pid[n] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        close(fd);
        char who[48] = "";
        if (pid[0])
            snprintf(who, sizeof(who), " (pid %s)", pid);
        if (what)
            return sf_err_set(ec, SF_ELOCKED, "another safeflash%s is updating %s; wait for it "
                              "to finish", who, what);
        return sf_err_set(ec, SF_ELOCKED, "another safeflash%s is updating enclosure %s; wait "
                          "for it to finish", who, key);
    }
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
    if (ftruncate(fd, 0) == 0 && pwrite(fd, buf, (size_t)n, 0) < 0)
        (void)0;
    return fd;
}

int sf_lock_acquire_wait(const char *state_dir, const char *key, unsigned timeout_ms,
                         struct sf_errctx *ec)
{
    struct timespec gap = { 0, 20 * 1000 * 1000 };
    for (unsigned waited = 0;; waited += 20) {
        int fd = sf_lock_acquire(state_dir, key, ec);
        if (fd != SF_ELOCKED || waited >= timeout_ms)
            return fd;
        nanosleep(&gap, NULL);
    }
}

void sf_lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}
