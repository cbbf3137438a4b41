/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/pair.h: what bench/tlspair and bench/gnutlspair share (bench/pair.c): the command line
 * WRITES [RATE] [SIZE] [PAIRS], the PAIRS forked client/server pairs and their wall time, the
 * loopback connection of one pair and the pacing of the client's writes. Each program brings
 * only its TLS library's calls: the server side (serve) and the client side (its run_pair).
 */
#ifndef BENCH_PAIR_H
#define BENCH_PAIR_H

#include <sys/types.h>

#include "stats.h"	/* bench_now_s() */

/* the server side of one pair, in the forked child: read EXPECT bytes from the accepted
 * socket FD in records of at most SIZE bytes; 0 when exactly EXPECT arrived */
typedef int (*pair_serve_fn)(int fd, long expect, long size);

/* one pair's client socket and its server child */
struct pair {
	int fd;
	pid_t server;
};

/* pair_start: a loopback listener, a forked child that accepts one connection and runs SERVE
 * on it, and P->fd connected to it (TCP_NODELAY: each record call is one record sent at once,
 * so the traced call rate is the write rate). Exits 1 with a message on failure. */
void pair_start(struct pair *p, pair_serve_fn serve, long expect, long size);

/* pair_finish: after the client's close_notify, half-closes the socket and waits for the server
 * (closing with unread data, e.g. the server's session tickets, would reset the connection and
 * lose data in flight); 0 when the server read everything. The caller frees its session and
 * then closes P->fd. */
int pair_finish(struct pair *p);

/* pair_pace: before write I of a run started at T0, sleeps until it is due at RATE writes per
 * second (RATE 0: no pacing) */
void pair_pace(double t0, long i, double rate);

/* pair_main: the programs' main: parses WRITES [RATE] [SIZE] [PAIRS], runs RUN_PAIR in PAIRS
 * forked children at once and prints {"writes":N,"seconds":S,"rate":R}: all pairs' writes over
 * the wall time from the first fork to the last exit. NAME is the program's, for messages. */
int pair_main(int argc, char **argv, const char *name, int (*run_pair)(long writes, double rate, long size));

/* the NAME given to pair_main, for the programs' own messages */
extern const char *pair_name;

#endif
