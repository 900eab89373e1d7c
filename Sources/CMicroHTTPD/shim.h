// Wrappers for the parts of libmicrohttpd that Swift cannot call directly:
// MHD_start_daemon is variadic, so the options Helios uses are fixed here.
#ifndef HELIOS_CMICROHTTPD_SHIM_H
#define HELIOS_CMICROHTTPD_SHIM_H
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <microhttpd.h>

/// Leaves %XX escapes in the path and the query arguments as sent: the
/// router decodes each path segment once (so a parameter may hold "/" or
/// "%" as %2F and %25), the service decodes query arguments itself.
static inline size_t helios_mhd_keep_escapes(void *cls, struct MHD_Connection *connection, char *s) {
    (void)cls; (void)connection;
    return strlen(s);
}

/// Starts a daemon bound to `address` with a worker pool of `pool_size`
/// threads (0 or 1 = one internal polling thread).
static inline struct MHD_Daemon *helios_mhd_start(
    unsigned int flags, uint16_t port, const struct sockaddr *address,
    MHD_AccessHandlerCallback handler, void *handler_context,
    MHD_RequestCompletedCallback completed, void *completed_context,
    MHD_NotifyConnectionCallback connection_notify,
    unsigned int pool_size, unsigned int timeout_seconds, size_t memory_limit) {
    if (pool_size > 1) {
        return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_context,
            MHD_OPTION_SOCK_ADDR, address,
            MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
            MHD_OPTION_NOTIFY_CONNECTION, connection_notify, NULL,
            MHD_OPTION_THREAD_POOL_SIZE, pool_size,
            MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
            MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit,
            MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
            MHD_OPTION_UNESCAPE_CALLBACK, helios_mhd_keep_escapes, NULL,
            MHD_OPTION_END);
    }
    return MHD_start_daemon(flags, port, NULL, NULL, handler, handler_context,
        MHD_OPTION_SOCK_ADDR, address,
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
        MHD_OPTION_NOTIFY_CONNECTION, connection_notify, NULL,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024,
        MHD_OPTION_UNESCAPE_CALLBACK, helios_mhd_keep_escapes, NULL,
        MHD_OPTION_END);
}

/// The socket of a connection, for setting TCP_NODELAY when it opens.
static inline int helios_mhd_connection_socket(struct MHD_Connection *connection) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CONNECTION_FD);
    return info ? info->connect_fd : -1;
}

static inline void helios_set_nodelay(int fd) {
    int one = 1;
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/// Thread pool + epoll, inter-thread channel (needed to quiesce the daemon
/// for a graceful stop), errors logged to stderr; IPv6 when asked. Turbo:
/// optimistic reads without waiting for epoll first, and no shutdown()
/// before close (fewer system calls per keep-alive request).
static inline unsigned int helios_mhd_flags(int ipv6) {
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO;
    if (ipv6) flags |= MHD_USE_IPv6;
    return flags;
}

/// Writes the peer's numeric address into `buffer` ("-" when unknown).
static inline void helios_mhd_client_address(struct MHD_Connection *connection, char *buffer, size_t length) {
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(connection, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    buffer[0] = '-'; buffer[1] = 0;
    if (!info || !info->client_addr) return;
    const struct sockaddr *address = info->client_addr;
    if (address->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)address)->sin_addr, buffer, (socklen_t)length);
    } else if (address->sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)address)->sin6_addr, buffer, (socklen_t)length);
    }
}

#endif
