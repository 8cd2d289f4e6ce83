/*
 * sf_workers.c - fn over [0, n) on up to nth threads.  See sf_workers.h.
 */
#include "util/sf_workers.h"

#include <pthread.h>

struct workers {
    size_t n, next;
    pthread_mutex_t mu;
    void (*fn)(void *arg, size_t i);
    void *arg;
};

static void *worker(void *arg)
{
    struct workers *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        size_t i = w->next++;
        pthread_mutex_unlock(&w->mu);
        if (i >= w->n)
            return NULL;
        w->fn(w->arg, i);
    }
}

void sf_workers_run(size_t n, size_t nth, void (*fn)(void *arg, size_t i), void *arg)
{
    struct workers w = { .n = n, .fn = fn, .arg = arg };
    pthread_mutex_init(&w.mu, NULL);
    if (nth > n)
        nth = n;
    if (nth > SF_WORKERS_MAX)
        nth = SF_WORKERS_MAX;
    pthread_t th[SF_WORKERS_MAX];
    size_t started = 0;
    for (; started + 1 < nth; started++) /* + this thread */
        if (pthread_create(&th[started], NULL, worker, &w))
            break;
    worker(&w);
    for (size_t k = 0; k < started; k++)
        pthread_join(th[k], NULL);
    pthread_mutex_destroy(&w.mu);
}
