// SPDX-License-Identifier: MIT
/* Port publishing: elements of the hostport{4,6}[-ip] maps. A mapping of a
 * range is one element per port, all in the same transaction. */
#include "nat/nat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

static unsigned span(const struct nat_port *p)
{
	return p->count ? p->count : 1;
}

static int port_check(const struct nat_port *p, bool add, struct plumb_err *err)
{
	char s[160];

	nat_port_str(p, s, sizeof(s));
	if (!nat_proto_name(p->proto))
		return plumb_err_set(err, EINVAL,
				     "port mapping %s: protocol must be tcp, udp or sctp", s);
	if (p->host_port == 0 || (unsigned)p->host_port + span(p) - 1 > 65535)
		return plumb_err_set(err, EINVAL, "port mapping %s: host port out of range", s);
	if (p->host_ip.family && p->host_ip.family != AF_INET && p->host_ip.family != AF_INET6)
		return plumb_err_set(err, EINVAL, "port mapping %s: bad host address", s);
	if (!add)
		return 0;
	if (p->ip.family != AF_INET && p->ip.family != AF_INET6)
		return plumb_err_set(err, EINVAL, "port mapping %s: container address missing", s);
	if (p->host_ip.family && p->host_ip.family != p->ip.family)
		return plumb_err_set(
		    err, EINVAL, "port mapping %s: host and container addresses differ in family",
		    s);
	if (p->port == 0 || (unsigned)p->port + span(p) - 1 > 65535)
		return plumb_err_set(err, EINVAL, "port mapping %s: container port out of range",
				     s);
	return 0;
}

/* Which of the four maps a mapping lives in; for a delete without a
 * container address the family comes from the host address, else IPv4. */
static const char *port_set_of(const struct nat_port *p)
{
	int fam = p->host_ip.family ? p->host_ip.family : p->ip.family;

	if (fam == AF_INET6)
		return p->host_ip.family ? NAT_SET_PORT6_IP : NAT_SET_PORT6;
	return p->host_ip.family ? NAT_SET_PORT4_IP : NAT_SET_PORT4;
}

/* The element for host port hp of mapping p (container port cp). */
static int port_elem(const struct nat_port *p, uint16_t hp, uint16_t cp, bool add,
		     struct nftnl_set_elem **out)
{
	_cleanup_(nftnl_set_elem_freep) struct nftnl_set_elem *e = nftnl_set_elem_alloc();
	struct nat_key k = {0}, d = {0};
	int r;

	if (!e)
		return -ENOMEM;
	if (p->host_ip.family)
		nat_key_ip(&k, &p->host_ip);
	nat_key_u8(&k, p->proto);
	nat_key_be16(&k, hp);
	nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, k.b, k.len);
	if (add) {
		nat_key_ip(&d, &p->ip);
		nat_key_be16(&d, cp);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_DATA, d.b, d.len);
		r = nat_elem_set_comment(e, p->owner);
		if (r < 0)
			return r;
	}
	*out = TAKE_PTR(e);
	return 0;
}

int nat_port_batch(struct nat_batch *b, const struct nat_port *p, size_t count, bool add)
{
	static const char *const sets[] = {NAT_SET_PORT4, NAT_SET_PORT4_IP, NAT_SET_PORT6,
					   NAT_SET_PORT6_IP};
	uint16_t type = add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
	uint16_t flags = add ? NLM_F_CREATE | NLM_F_EXCL : 0;
	int r = 0;

	for (size_t s = 0; r == 0 && s < ARRAY_SIZE(sets); s++) {
		bool open = false;

		for (size_t i = 0; r == 0 && i < count; i++) {
			if (strcmp(port_set_of(&p[i]), sets[s]))
				continue;
			if (!open && (r = nat_batch_elems_begin(b, type, flags, sets[s])) < 0)
				break;
			open = true;
			for (unsigned j = 0; r == 0 && j < span(&p[i]); j++) {
				_cleanup_(nftnl_set_elem_freep) struct nftnl_set_elem *e = NULL;
				struct nat_port one = p[i];
				char s1[160];

				one.host_port = (uint16_t)(p[i].host_port + j);
				one.port = (uint16_t)(p[i].port + j);
				one.count = 1;
				r = port_elem(&one, one.host_port, one.port, add, &e);
				if (r == 0 && add)
					r = nat_batch_elem(b, e, "port mapping %s",
							   nat_port_str(&one, s1, sizeof(s1)));
				else if (r == 0)
					r = nat_batch_elem(
					    b, e, "port mapping %s %s%s%u",
					    nat_proto_name(one.proto),
					    one.host_ip.family
						? plumb_ip_str(&one.host_ip, s1, sizeof(s1))
						: "",
					    one.host_ip.family ? ":" : "", one.host_port);
			}
		}
		if (r == 0 && open)
			r = nat_batch_elems_end(b);
	}
	return r;
}

static bool same_host_port(const struct nat_port *a, const struct nat_port *want)
{
	return a->proto == want->proto && plumb_ip_equal(&a->host_ip, &want->host_ip) &&
	       a->host_port >= want->host_port && a->host_port - want->host_port < (int)span(want);
}

/* EEXIST on publishing: say who holds the port (read back on this error path
 * only; the kernel's answer does not carry the existing element). */
static int explain_taken(struct nat *n, const struct nat_port *p, size_t count,
			 struct plumb_err *err)
{
	struct nat_port *have = NULL;
	int nh = nat_port_list(n, &have, NULL);

	for (int i = 0; i < nh; i++)
		for (size_t j = 0; j < count; j++) {
			char s[160];

			if (!same_host_port(&have[i], &p[j]))
				continue;
			nat_port_str(&have[i], s, sizeof(s));
			nat_err_hint(err, EEXIST, "host port already published (%s%s%s)", s,
				     have[i].owner[0] ? ", owner " : "", have[i].owner);
			free(have);
			return -EEXIST;
		}
	free(have);
	return nat_err_hint(err, EEXIST, "host port already published");
}

static int port_change(struct nat *n, const struct nat_port *p, size_t count, bool add,
		       struct plumb_err *err)
{
	_cleanup_batch_ struct nat_batch *b = NULL;
	int r, failed;

	for (size_t i = 0; i < count; i++) {
		r = port_check(&p[i], add, err);
		if (r < 0)
			return r;
	}
	if (add && (r = nat_table_ensure(n, err)) < 0)
		return r;
	b = nat_batch_new();
	if (!b)
		return plumb_err_set(err, ENOMEM, "out of memory");
	r = nat_port_batch(b, p, count, add);
	if (r < 0)
		return plumb_err_set(err, -r, "building port mappings: %s", strerror(-r));
	r = nat_batch_send(&n->sock, b, &failed, err);
	if (r == -EEXIST)
		return explain_taken(n, p, count, err);
	if (r == -ENOENT)
		return nat_err_hint(err, r, "not published");
	return r;
}

int nat_port_add(struct nat *n, const struct nat_port *p, size_t count, struct plumb_err *err)
{
	return port_change(n, p, count, true, err);
}

int nat_port_del(struct nat *n, const struct nat_port *p, size_t count, struct plumb_err *err)
{
	struct nat_port v6;
	int r = port_change(n, p, count, false, err);

	/* One mapping given by host port alone: it may live in the IPv6 map. */
	if (r != -ENOENT || count != 1 || p->ip.family || p->host_ip.family)
		return r;
	v6 = *p;
	v6.ip.family = AF_INET6;
	plumb_err_clear(err);
	r = port_change(n, &v6, 1, false, err);
	return r;
}

/* Decode one map element back into a mapping. */
static int port_decode(struct nftnl_set_elem *e, int fam, bool with_ip, struct nat_port *p)
{
	uint32_t klen = 0, dlen = 0;
	const uint8_t *k = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
	const uint8_t *d = nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &dlen);
	unsigned al = plumb_ip_len(fam), off = 0;

	if (!k || !d || klen != (with_ip ? al : 0) + 8 || dlen != al + 4)
		return -EBADMSG;
	memset(p, 0, sizeof(*p));
	if (with_ip) {
		p->host_ip.family = fam;
		memcpy(p->host_ip.a, k, al);
		off = al;
	}
	p->proto = k[off];
	p->host_port = (uint16_t)(k[off + 4] << 8 | k[off + 5]);
	p->count = 1;
	p->ip.family = fam;
	memcpy(p->ip.a, d, al);
	p->port = (uint16_t)(d[al] << 8 | d[al + 1]);
	nat_elem_comment(e, p->owner, sizeof(p->owner));
	return 0;
}

struct decode_ctx {
	struct nat_vec v;
	int fam;
	bool with_ip;
	int r;
};

static int decode_one(struct nftnl_set_elem *e, void *arg)
{
	struct decode_ctx *c = arg;
	struct nat_port *p = nat_vec_push(&c->v, sizeof(*p));

	if (!p)
		return c->r = -ENOMEM;
	return c->r = port_decode(e, c->fam, c->with_ip, p);
}

int nat_port_list(struct nat *n, struct nat_port **out, struct plumb_err *err)
{
	static const struct {
		const char *set;
		int fam;
		bool with_ip;
	} maps[] = {{NAT_SET_PORT4_IP, AF_INET, true},
		    {NAT_SET_PORT4, AF_INET, false},
		    {NAT_SET_PORT6_IP, AF_INET6, true},
		    {NAT_SET_PORT6, AF_INET6, false}};
	struct decode_ctx c = {0};
	int r;

	for (size_t m = 0; m < ARRAY_SIZE(maps); m++) {
		_cleanup_(nftnl_set_freep) struct nftnl_set *s = NULL;

		r = nat_dump_elems(&n->sock, maps[m].set, &s, err);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			goto fail;
		c.fam = maps[m].fam;
		c.with_ip = maps[m].with_ip;
		r = nftnl_set_elem_foreach(s, decode_one, &c);
		if (r < 0) {
			r = plumb_err_set(err, c.r ? -c.r : EBADMSG, "set '%s': unexpected element",
					  maps[m].set);
			goto fail;
		}
	}
	*out = c.v.data;
	return (int)c.v.n;
fail:
	free(c.v.data);
	return r;
}
