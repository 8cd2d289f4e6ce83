/*
 * sf_transport.c - dispatch through the transport vtable.
 */
#include "sf_transport.h"

#include <string.h>

int sf_transport_exec(struct sf_transport *t, struct sf_cmd *cmd)
{
    if (!t || !t->ops || !t->ops->exec || !cmd || !cmd->cdb || cmd->cdb_len == 0)
        return SF_EINVAL;
    if (cmd->dir != SF_DIR_NONE && cmd->data_len && !cmd->data)
        return SF_EINVAL;
    cmd->status = 0;
    cmd->sense_len = 0;
    memset(cmd->sense, 0, sizeof(cmd->sense));
    cmd->resid = 0;
    cmd->host_status = 0;
    cmd->driver_status = 0;
    return t->ops->exec(t, cmd);
}

void sf_transport_close(struct sf_transport *t)
{
    if (t && t->ops && t->ops->close)
        t->ops->close(t);
}
