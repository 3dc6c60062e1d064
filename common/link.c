// SPDX-License-Identifier: MIT
#include "common/link.h"

#include "common/cleanup.h"
#include "common/netns.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netlink/route/link/inet6.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void link_fill(struct rtnl_link *l, struct plumb_link *out)
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	const char *s;
	int32_t nsid;

	memset(out, 0, sizeof(*out));
	out->ifindex = rtnl_link_get_ifindex(l);
	snprintf(out->name, sizeof(out->name), "%s", rtnl_link_get_name(l) ?: "");
	s = rtnl_link_get_type(l);
	snprintf(out->kind, sizeof(out->kind), "%s", s ? s : "");
	s = rtnl_link_get_ifalias(l);
	snprintf(out->alias, sizeof(out->alias), "%s", s ? s : "");
	out->master = rtnl_link_get_master(l);
	/* The kernel sends IFLA_LINK only when it differs from the link itself. */
	out->peer_ifindex = rtnl_link_get_link(l);
	if (out->peer_ifindex == out->ifindex)
		out->peer_ifindex = 0;
	out->peer_netnsid = rtnl_link_get_link_netnsid(l, &nsid) == 0 ? nsid : -1;
	out->mtu = rtnl_link_get_mtu(l);
	if (a && nl_addr_get_len(a) == 6)
		memcpy(out->mac, nl_addr_get_binary_addr(a), 6);
	out->up = rtnl_link_get_flags(l) & IFF_UP;
	out->promisc = rtnl_link_get_flags(l) & IFF_PROMISC;
}

int plumb_link_get(struct plumb_nl *nl, const char *name, int ifindex, struct plumb_link *out,
		   struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = NULL;
	int r;

	r = rtnl_link_get_kernel(nl->sk, ifindex, name, &l);
	if (r < 0) {
		r = plumb_nl_errno(nl, r);
		nl->last_errno = 0;
		nl->extack[0] = '\0';
		if (r == ENODEV) {
			if (name)
				return plumb_err_set(err, ENODEV,
						     "interface '%s' does not exist in netns '%s'",
						     name, plumb_nl_ns(nl));
			return plumb_err_set(err, ENODEV,
					     "interface #%d does not exist in netns '%s'", ifindex,
					     plumb_nl_ns(nl));
		}
		return plumb_err_set(err, r, "interface '%s' in netns '%s': %s", name ? name : "?",
				     plumb_nl_ns(nl), strerror(r));
	}
	link_fill(l, out);
	return 0;
}

const char *plumb_link_label(struct plumb_nl *nl, int ifindex, char *buf, size_t len)
{
	struct plumb_link l;

	if (plumb_link_get(nl, NULL, ifindex, &l, NULL) == 0)
		snprintf(buf, len, "'%s'", l.name);
	else
		snprintf(buf, len, "#%d", ifindex);
	return buf;
}

/* Prefix "interface 'eth0' in netns 'pod1'" to the message in err. */
static int wrap_link(struct plumb_nl *nl, int ifindex, int r, struct plumb_err *err)
{
	char label[PLUMB_LINK_LABEL_MAX];

	return plumb_err_wrap(err, r, "interface %s in netns '%s'",
			      plumb_link_label(nl, ifindex, label, sizeof(label)), plumb_nl_ns(nl));
}

/* Send "changes" to the link ifindex as one RTM_NEWLINK (RTM_SETLINK on old
 * kernels); what names the change for the message. */
static int link_change(struct plumb_nl *nl, int ifindex, struct rtnl_link *ch, const char *what,
		       struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *orig = rtnl_link_alloc();
	int r;

	/* A separate orig carrying only the index: libnl drops IFLA_IFNAME from
	 * the request when orig's name equals the new one, as it would if
	 * changes were passed as both. */
	if (!orig)
		return plumb_err_set(err, ENOMEM, "out of memory");
	rtnl_link_set_ifindex(orig, ifindex);
	r = rtnl_link_change(nl->sk, orig, ch, 0);
	if (r >= 0)
		return 0;
	return wrap_link(nl, ifindex, plumb_nl_error(nl, r, err, "%s", what), err);
}

static int link_set_flag(struct plumb_nl *nl, int ifindex, unsigned flag, bool on, const char *what,
			 struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *ch = rtnl_link_alloc();

	if (!ch)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (on)
		rtnl_link_set_flags(ch, flag);
	else
		rtnl_link_unset_flags(ch, flag);
	return link_change(nl, ifindex, ch, what, err);
}

int plumb_link_set_up(struct plumb_nl *nl, int ifindex, bool up, struct plumb_err *err)
{
	return link_set_flag(nl, ifindex, IFF_UP, up, up ? "bring up" : "bring down", err);
}

int plumb_link_set_promisc(struct plumb_nl *nl, int ifindex, bool on, struct plumb_err *err)
{
	return link_set_flag(nl, ifindex, IFF_PROMISC, on, "set promisc", err);
}

int plumb_link_set_mtu(struct plumb_nl *nl, int ifindex, unsigned mtu, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *ch = rtnl_link_alloc();
	char what[32];

	if (!ch)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (!mtu)
		return 0;
	rtnl_link_set_mtu(ch, mtu);
	snprintf(what, sizeof(what), "set mtu %u", mtu);
	return link_change(nl, ifindex, ch, what, err);
}

int plumb_link_set_master(struct plumb_nl *nl, int ifindex, int master, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *ch = rtnl_link_alloc();
	char label[PLUMB_LINK_LABEL_MAX];
	int r;

	if (!ch)
		return plumb_err_set(err, ENOMEM, "out of memory");
	rtnl_link_set_master(ch, master);
	r = link_change(nl, ifindex, ch, master ? "attach to a bridge" : "detach from its bridge",
			err);
	if (r < 0 && master)
		r = plumb_err_wrap(err, r, "bridge %s",
				   plumb_link_label(nl, master, label, sizeof(label)));
	return r;
}

int plumb_link_set_alias(struct plumb_nl *nl, int ifindex, const char *alias, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *ch = rtnl_link_alloc();

	if (!ch)
		return plumb_err_set(err, ENOMEM, "out of memory");
	rtnl_link_set_ifalias(ch, alias);
	return link_change(nl, ifindex, ch, "set alias", err);
}

int plumb_link_set_no_ipv6_ll(struct plumb_nl *nl, int ifindex, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *ch = rtnl_link_alloc();
	int r;

	if (!ch)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if ((r = rtnl_link_inet6_set_addr_gen_mode(ch, IN6_ADDR_GEN_MODE_NONE)) < 0)
		return plumb_err_set(err, ENOMEM, "addrgenmode: %s", nl_geterror(r));
	r = link_change(nl, ifindex, ch, "set IPv6 addrgenmode none", err);
	if (r == -EAFNOSUPPORT) { /* booted with ipv6.disable=1 */
		plumb_err_clear(err);
		return 0;
	}
	return r;
}

int plumb_link_move(struct plumb_nl *nl, int ifindex, int nsfd, const char *new_name,
		    struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *ch = rtnl_link_alloc();
	int r;

	if (!ch)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (new_name) {
		r = plumb_link_name_check(new_name, err);
		if (r < 0)
			return r;
		rtnl_link_set_name(ch, new_name);
	}
	rtnl_link_set_ns_fd(ch, nsfd);
	return link_change(nl, ifindex, ch, "move to another netns", err);
}

int plumb_link_del(struct plumb_nl *nl, int ifindex, struct plumb_err *err)
{
	_cleanup_(rtnl_link_putp) struct rtnl_link *l = rtnl_link_alloc();
	int r;

	if (!l)
		return plumb_err_set(err, ENOMEM, "out of memory");
	rtnl_link_set_ifindex(l, ifindex);
	r = rtnl_link_delete(nl->sk, l);
	if (r >= 0)
		return 0;
	r = plumb_nl_error(nl, r, err, "delete");
	return r == -ENODEV ? plumb_err_set(err, ENODEV,
					    "interface #%d does not exist in netns '%s'", ifindex,
					    plumb_nl_ns(nl))
			    : wrap_link(nl, ifindex, r, err);
}

static int by_ifindex(const void *a, const void *b)
{
	return ((const struct plumb_link *)a)->ifindex - ((const struct plumb_link *)b)->ifindex;
}

/* One attempt; on error libnl frees the cache and leaves *arg NULL. */
static int dump_links(struct plumb_nl *nl, void *arg)
{
	return rtnl_link_alloc_cache(nl->sk, AF_UNSPEC, arg);
}

int plumb_link_list(struct plumb_nl *nl, struct plumb_link **out, struct plumb_err *err)
{
	_cleanup_(nl_cache_freep) struct nl_cache *cache = NULL;
	_cleanup_free_ struct plumb_link *v = NULL;
	struct nl_object *o;
	int r, n = 0, cap;

	*out = NULL;
	r = plumb_nl_dump_retry(nl, dump_links, &cache);
	if (r < 0)
		return plumb_nl_error(nl, r, err, "list interfaces in netns '%s'", plumb_nl_ns(nl));
	cap = nl_cache_nitems(cache);
	if (!cap)
		return 0;
	v = calloc((size_t)cap, sizeof(*v));
	if (!v)
		return plumb_err_set(err, ENOMEM, "out of memory");
	for (o = nl_cache_get_first(cache); o && n < cap; o = nl_cache_get_next(o))
		link_fill((struct rtnl_link *)o, &v[n++]);
	qsort(v, (size_t)n, sizeof(*v), by_ifindex);
	*out = TAKE_PTR(v);
	return n;
}

int plumb_link_name_check(const char *name, struct plumb_err *err)
{
	size_t n = name ? strlen(name) : 0;

	if (!n)
		return plumb_err_set(err, EINVAL, "empty interface name");
	if (n >= IFNAMSIZ)
		return plumb_err_set(err, EINVAL,
				     "interface name '%s' is too long (%zu bytes, at most %d)",
				     name, n, IFNAMSIZ - 1);
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return plumb_err_set(err, EINVAL, "invalid interface name '%s'", name);
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || isspace((unsigned char)*p))
			return plumb_err_set(err, EINVAL,
					     "invalid interface name '%s' (no '/', ':' or spaces)",
					     name);
	return 0;
}

int plumb_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned b[6];
	char tail;

	if (!s || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[i * 3]) || !isxdigit((unsigned char)s[i * 3 + 1]) ||
		    (i < 5 && s[i * 3 + 2] != ':'))
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

const char *plumb_mac_str(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

struct sysctl_args {
	const char *path;
	const char *value; /* write when set */
	char *buf;	   /* read otherwise */
	size_t len;
};

static int sysctl_here(void *arg, struct plumb_err *err)
{
	struct sysctl_args *a = arg;
	_cleanup_close_ int fd = -1;
	char path[512];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/sys/%s", a->path);
	fd = open(path, (a->value ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	if (fd < 0)
		return plumb_err_set(err, errno, "sysctl %s: %s", a->path, strerror(errno));
	if (a->value) {
		n = write(fd, a->value, strlen(a->value));
		if (n != (ssize_t)strlen(a->value))
			return plumb_err_set(err, n < 0 ? errno : EIO, "sysctl %s=%s: %s", a->path,
					     a->value, strerror(n < 0 ? errno : EIO));
		return 0;
	}
	n = read(fd, a->buf, a->len - 1);
	if (n < 0)
		return plumb_err_set(err, errno, "sysctl %s: %s", a->path, strerror(errno));
	a->buf[n] = '\0';
	while (n > 0 && a->buf[n - 1] == '\n')
		a->buf[--n] = '\0';
	return 0;
}

int plumb_ns_sysctl_write(int nsfd, const char *path, const char *value, struct plumb_err *err)
{
	struct sysctl_args a = {.path = path, .value = value};

	return netns_run(nsfd, sysctl_here, &a, err);
}

int plumb_ns_sysctl_read(int nsfd, const char *path, char *buf, size_t len, struct plumb_err *err)
{
	struct sysctl_args a = {.path = path, .buf = buf, .len = len};

	if (len < 2)
		return plumb_err_set(err, EINVAL, "sysctl %s: buffer too small", path);
	return netns_run(nsfd, sysctl_here, &a, err);
}

int plumb_ns_ip_forward(int nsfd, int family, struct plumb_err *err)
{
	return plumb_ns_sysctl_write(
	    nsfd, family == AF_INET6 ? "net/ipv6/conf/all/forwarding" : "net/ipv4/ip_forward", "1",
	    err);
}

int plumb_ns_route_localnet(int nsfd, const char *ifname, struct plumb_err *err)
{
	char path[96];
	int r = plumb_link_name_check(ifname, err);

	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "net/ipv4/conf/%s/route_localnet", ifname);
	return plumb_ns_sysctl_write(nsfd, path, "1", err);
}
