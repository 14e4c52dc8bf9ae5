/* Network failures: "connect PORT" (IPv4 loopback), "connect6 PORT" (IPv6 loopback),
 * "connect-nonblocking PORT" (IPv4 loopback, the way Go, Node and Python with a timeout connect:
 * EINPROGRESS, poll, then the outcome from getsockopt SO_ERROR),
 * "bind-twice PORT" (a second bind to the port of a first: EADDRINUSE), "connect-unix PATH",
 * "dns-query NAME" (the queries resolvers send for NAME to 127.0.0.1:53, nobody listening: musl's
 * sendto, glibc's sendmmsg and send, Go's write), "dns-answer recvfrom|read" (as root: its
 * own name server answers NXDOMAIN), "dns-timeout" (as root: its own name server on
 * 127.0.0.3:53 never answers, and the wait for the answer times out, as glibc's and musl's resolvers wait).
 * Exits 1 on the failure. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    if (!strcmp(argv[1], "connect") && argc > 2) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int s = socket(AF_INET, SOCK_STREAM, 0);
        return connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : 1;
    }
    if (!strcmp(argv[1], "connect-nonblocking") && argc > 2) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(s, (struct sockaddr *)&a, sizeof a) == 0) return 0;
        struct pollfd p = {.fd = s, .events = POLLOUT};
        poll(&p, 1, 2000);
        int error = 0;
        socklen_t len = sizeof error;
        getsockopt(s, SOL_SOCKET, SO_ERROR, &error, &len);
        return error == 0 ? 0 : 1;
    }
    if (!strcmp(argv[1], "connect6") && argc > 2) {
        struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[2]))};
        a.sin6_addr = in6addr_loopback;
        int s = socket(AF_INET6, SOCK_STREAM, 0);
        return connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : 1;
    }
    if (!strcmp(argv[1], "connect-unix") && argc > 2) {
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        strncpy(a.sun_path, argv[2], sizeof a.sun_path - 1);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        return connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : 1;
    }
    if (!strcmp(argv[1], "bind-twice") && argc > 2) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int s1 = socket(AF_INET, SOCK_STREAM, 0);
        socklen_t len = sizeof a;
        if (bind(s1, (struct sockaddr *)&a, sizeof a) || getsockname(s1, (struct sockaddr *)&a, &len) ||
            listen(s1, 1))
            return 3;
        int s2 = socket(AF_INET, SOCK_STREAM, 0);
        return bind(s2, (struct sockaddr *)&a, sizeof a) == 0 ? 0 : 1;
    }
    if (!strcmp(argv[1], "dns-query") && argc > 2) {
        /* The query a resolver sends for argv[2]: sendto an address (musl), then sendmmsg of the
         * A and AAAA questions on a socket connected to the server (glibc), then one question
         * sent on a connected socket (glibc, one family), then written to one (Go). */
        unsigned char q[300] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
        size_t n = 12;
        for (char *label = strtok(argv[2], "."); label && n < 250; label = strtok(NULL, ".")) {
            q[n++] = (unsigned char)strlen(label);
            memcpy(q + n, label, strlen(label));
            n += strlen(label);
        }
        unsigned char tail[] = {0, 0, 1, 0, 1};
        memcpy(q + n, tail, sizeof tail);
        n += sizeof tail;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        int s = socket(AF_INET, SOCK_DGRAM, 0);
        if (sendto(s, q, n, MSG_NOSIGNAL, (struct sockaddr *)&a, sizeof a) != (ssize_t)n) return 3;
        int c = socket(AF_INET, SOCK_DGRAM, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a)) return 3;
        unsigned char aaaa[300];
        memcpy(aaaa, q, n);
        aaaa[n - 3] = 28;
        struct iovec iov[2] = {{q, n}, {aaaa, n}};
        struct mmsghdr m[2] = {{.msg_hdr = {.msg_iov = &iov[0], .msg_iovlen = 1}},
                               {.msg_hdr = {.msg_iov = &iov[1], .msg_iovlen = 1}}};
        /* The second may fail: the first drew an ICMP port-unreachable. */
        if (sendmmsg(c, m, 2, MSG_NOSIGNAL) < 1) return 3;
        /* glibc asking for one address family: send on a connected socket. */
        int d = socket(AF_INET, SOCK_DGRAM, 0);
        if (connect(d, (struct sockaddr *)&a, sizeof a) || send(d, q, n, MSG_NOSIGNAL) != (ssize_t)n)
            return 3;
        /* Go: calls of its own between the connect and a write on the socket. */
        int g = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        struct sockaddr_in end;
        socklen_t len = sizeof end;
        if (connect(g, (struct sockaddr *)&a, sizeof a) ||
            getsockname(g, (struct sockaddr *)&end, &len) ||
            getpeername(g, (struct sockaddr *)&end, &len) || write(g, q, n) != (ssize_t)n)
            return 3;
        return 1;
    }
    if (!strcmp(argv[1], "dns-answer") && argc > 2) {
        /* A name server of its own on 127.0.0.2:53 (root only) answers NXDOMAIN to the query
         * for "db" sent on a connected socket, received with recvfrom (glibc) or read (Go). */
        unsigned char q[] = {0x56, 0x78, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                             2, 'd', 'b', 0, 0, 1, 0, 1};
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
        a.sin_addr.s_addr = htonl(0x7f000002);
        int server = socket(AF_INET, SOCK_DGRAM, 0);
        if (bind(server, (struct sockaddr *)&a, sizeof a)) return 3;
        int c = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) || send(c, q, sizeof q, MSG_NOSIGNAL) < 0)
            return 3;
        unsigned char r[512];
        struct sockaddr_in from;
        socklen_t len = sizeof from;
        ssize_t n = recvfrom(server, r, sizeof r, 0, (struct sockaddr *)&from, &len);
        if (n < 12) return 3;
        r[2] = 0x81, r[3] = 0x83;
        if (sendto(server, r, n, 0, (struct sockaddr *)&from, len) != n) return 3;
        struct pollfd p = {.fd = c, .events = POLLIN};
        if (poll(&p, 1, 5000) != 1) return 3;
        struct sockaddr_in server_addr;
        socklen_t room = sizeof server_addr + 12;
        n = !strcmp(argv[2], "read") ? read(c, r, sizeof r)
                                     : recvfrom(c, r, sizeof r, 0, (struct sockaddr *)&server_addr, &room);
        return n > 12 && (r[3] & 15) == 3 ? 1 : 3;
    }
    if (!strcmp(argv[1], "dns-timeout")) {
        unsigned char q[] = {0x56, 0x78, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
                             2, 'd', 'b', 0, 0, 1, 0, 1};
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(53)};
        a.sin_addr.s_addr = htonl(0x7f000003); /* not dns-answer's: tests run at once */
        int server = socket(AF_INET, SOCK_DGRAM, 0);
        if (bind(server, (struct sockaddr *)&a, sizeof a)) return 3;
        int c = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (connect(c, (struct sockaddr *)&a, sizeof a) || send(c, q, sizeof q, MSG_NOSIGNAL) < 0)
            return 3;
        struct pollfd p = {.fd = c, .events = POLLIN};
        return poll(&p, 1, 200) == 0 ? 1 : 3;
    }
    return 2;
}
