# netns-tests/podman-lib.sh — a private world for Podman, sourced (after lib.sh)
# by a script that runs as ONE `ip netns exec NODE bash SCRIPT`, so every podman
# call shares one private mount namespace (../shared/PODMAN.md says why):
#
#   podman_mount_cgroups   the cgroup hierarchies again (ip netns exec gave a fresh /sys)
#   podman_private_dirs    tmpfs over /run /tmp /var/tmp /var/lib /dev/shm, so Podman's
#                          storage, locks, container namespaces and host-local leases
#                          live and die with this mount namespace; sets T and writes
#                          containers.conf (CNI backend at $PLUGINS, network $NET)
#   podman_busybox_image   imports $T/rootfs (busybox + whatever the caller put there)
#                          as $IMG; $BB is the busybox path inside
#   pm ARGS...             podman with this machine's runtime flags, time-bounded
#   podman_cleanup         removes every container, kills what survived by cgroup
#
# Needs PLUGINS, NET and CG (a cgroup name unique to the test) set.

podman_mount_cgroups() {
	if awk '$5 == "/sys/fs/cgroup" && / - cgroup2 /' /proc/1/mountinfo | grep -q .; then
		mount -t cgroup2 cgroup2 /sys/fs/cgroup || skip "cannot mount cgroup2"
		return
	fi
	mount -t tmpfs -o mode=755 tmpfs /sys/fs/cgroup || skip "cannot mount a tmpfs on /sys/fs/cgroup"
	# mountinfo fields: id parent dev root mountpoint opts [optional...] - fstype source superopts
	awk '$5 ~ "^/sys/fs/cgroup/" { for (i = 7; $i != "-"; i++); print $5, $(i+1), $(i+3) }' \
		/proc/1/mountinfo | while read -r mp fstype opts; do
		mkdir -p "$mp"
		mount -t "$fstype" -o "$opts" "$fstype" "$mp" || echo "cannot mount $fstype at $mp"
	done
}

podman_private_dirs() {
	local d k fd
	local -A held=()
	# The test still needs the source tree, the build and the plugins, and a
	# checkout may well live under a directory about to be covered (a CI clone
	# in /tmp): hold each open, cover, then bind it back at the same path.
	for k in $(printf '%s\n' "$PLUMB_SRC" "$PLUMB_BUILD" "$PLUGINS" | xargs -n1 realpath | sort -u); do
		exec {fd}<"$k" || skip "cannot open $k"
		held[$k]=$fd
	done
	for d in /run /tmp /var/tmp /var/lib /dev/shm; do
		mount -t tmpfs -o mode=755 tmpfs "$d" || skip "cannot mount a tmpfs on $d"
	done
	# Shortest first: binding the source tree back also brings build/ inside it.
	for k in $(printf '%s\n' "${!held[@]}" | sort); do
		if [ ! -e "$k" ]; then
			mkdir -p "$k"
			# --no-canonicalize: mount must take the fd's directory, not re-resolve
			# its path (which now names the empty tmpfs).
			mount --no-canonicalize --bind "/proc/$$/fd/${held[$k]}" "$k" ||
				skip "cannot bind $k back over the tmpfs"
		fi
		fd=${held[$k]}
		exec {fd}<&-
	done
	chmod 1777 /tmp /var/tmp /dev/shm
	mkdir -p /run/netns /run/lock
	T=$(mktemp -d /tmp/podman-XXXXXX)
	mkdir -p "$T/net.d" "$T/rootfs/bin" "$T/rootfs/etc"
	cat >"$T/containers.conf" <<CONF
[containers]
default_sysctls = []
[network]
network_backend = "cni"
cni_plugin_dirs = ["$PLUGINS"]
network_config_dir = "$T/net.d"
default_network = "$NET"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$T/events.log"
runtime = "runc"
tmp_dir = "$T/tmp"
CONF
	echo 'unqualified-search-registries = []' >"$T/registries.conf"
	export CONTAINERS_CONF=$T/containers.conf CONTAINERS_REGISTRIES_CONF=$T/registries.conf
}

pm() {
	timeout -k 10 "${PM_TIMEOUT:-240}" podman --root "$T/storage" --runroot "$T/runroot" \
		--tmpdir "$T/tmp" --storage-driver vfs --runtime /usr/sbin/runc \
		--cgroup-manager=cgroupfs --events-backend file "$@"
}

# Options every `pm run` of a test takes; callers may append.
run_opts=(--cgroup-parent "/$CG" --ulimit nofile=20000:20000 --ulimit nproc=4096:4096
	--network "$NET")

podman_cleanup() {
	local c
	pm rm -af -t 0 >/dev/null 2>&1
	# Whatever survived (a hung podman): kill it by cgroup, then drop the cgroups.
	for c in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$c" ] || continue
		find "$c" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	sleep 0.2
	for c in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/"$CG"; do
		[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
}

# No image can be pulled here: build one from Debian's static busybox.
podman_busybox_image() {
	cp /bin/busybox "$T/rootfs/bin/busybox"
	echo "root:x:0:0:root:/:/bin/sh" >"$T/rootfs/etc/passwd"
	tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
	check "podman imports a busybox image" pm import "$T/rootfs.tar" localhost/plumb-busybox:1
	IMG=localhost/plumb-busybox:1
	BB=/bin/busybox
}
