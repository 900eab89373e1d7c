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
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>
#include <microhttpd.h>

/// Leaves %XX escapes in the path and the query arguments as sent: the
/// router decodes each path segment once (so a parameter may hold "/" or
/// "%" as %2F and %25), the service decodes query arguments itself.
static inline size_t helios_mhd_keep_escapes(void *cls, struct MHD_Connection *connection, char *s) {
    (void)cls; (void)connection;
    return strlen(s);
}

/// libmicrohttpd's messages (a client that closed mid-request, a failed
/// connection) go to standard error as one prefixed line each, like the
/// server's own.
static inline void helios_mhd_log(void *cls, const char *format, va_list arguments) {
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, format, arguments);
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    fprintf(stderr, "heliosd: http: %s\n", line);
}

/// Starts one worker: a daemon with its own epoll thread and no listening
/// socket (the server accepts and hands each connection to the worker
/// serving the fewest, see HTTPServer). `notify_context` identifies the
/// worker to the connection callback.
static inline struct MHD_Daemon *helios_mhd_start_worker(
    unsigned int flags, MHD_AccessHandlerCallback handler, void *handler_context,
    MHD_RequestCompletedCallback completed, void *completed_context,
    MHD_NotifyConnectionCallback connection_notify, void *notify_context,
    unsigned int timeout_seconds, size_t memory_limit) {
    return MHD_start_daemon(flags | MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, handler, handler_context,
        MHD_OPTION_EXTERNAL_LOGGER, helios_mhd_log, NULL,   /* first, or MHD warns */
        MHD_OPTION_NOTIFY_COMPLETED, completed, completed_context,
        MHD_OPTION_NOTIFY_CONNECTION, connection_notify, notify_context,
        MHD_OPTION_CONNECTION_TIMEOUT, timeout_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit,
        MHD_OPTION_UNESCAPE_CALLBACK, helios_mhd_keep_escapes, NULL,
        MHD_OPTION_END);
}

/// accept4 without needing _GNU_SOURCE here: a non-blocking, close-on-exec
/// connection socket (libmicrohttpd's workers expect non-blocking sockets).
int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);
static inline int helios_accept(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

/// A listening TCP socket on `address` (IPv6 sockets take IPv6 only, as
/// libmicrohttpd's own did); -1 with errno set on failure.
static inline int helios_listen(const struct sockaddr *address, socklen_t length, int backlog) {
    int fd = socket(address->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (address->sa_family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(fd, address, length) != 0 || listen(fd, backlog) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
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
/// for a graceful stop), errors logged to stderr; IPv6 when asked; parked
/// connections (suspend/resume, for answers that come later). Turbo:
/// optimistic reads without waiting for epoll first, and no shutdown()
/// before close (fewer system calls per keep-alive request).
static inline unsigned int helios_mhd_flags(int ipv6) {
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO
                       | MHD_ALLOW_SUSPEND_RESUME;
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
