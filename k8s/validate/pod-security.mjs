// The Pod Security Standards, "restricted" profile (which includes every "baseline" control), as the Kubernetes
// documentation states them for the latest policy version:
//   https://kubernetes.io/docs/concepts/security/pod-security-standards/
// Each check below names the control it implements. The admission controller enforces the same rules on pods;
// here they are checked on every pod template before anything reaches a cluster.

/** The pod spec of a Pod or of a workload's pod template, or null for objects that create no pods. */
export function podSpecOf(object) {
  switch (object?.kind) {
    case "Pod":
      return object.spec ?? {};
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
    case "ReplicationController":
      return object.spec?.template?.spec ?? {};
    case "CronJob":
      return object.spec?.jobTemplate?.spec?.template?.spec ?? {};
    default:
      return null;
  }
}

/** The annotations of the pod (or pod template) whose spec podSpecOf returns. */
export function podAnnotationsOf(object) {
  switch (object?.kind) {
    case "Pod":
      return object.metadata?.annotations ?? {};
    case "CronJob":
      return object.spec?.jobTemplate?.spec?.template?.metadata?.annotations ?? {};
    default:
      return object?.spec?.template?.metadata?.annotations ?? {};
  }
}

const ALLOWED_VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
  "persistentVolumeClaim", "projected", "secret"]);
const SAFE_SYSCTLS = new Set(["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
const APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";

/** Every violation of the restricted profile in a pod spec (and its pod template's annotations, if given). */
export function restrictedViolations(spec, annotations = {}) {
  const problems = [];
  const pod = spec.securityContext ?? {};
  const containers = [
    ...(spec.initContainers ?? []).map((c) => ["initContainer", c]),
    ...(spec.containers ?? []).map((c) => ["container", c]),
    ...(spec.ephemeralContainers ?? []).map((c) => ["ephemeralContainer", c]),
  ];

  // baseline: Host Namespaces
  for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
    if (spec[field] === true) {
      problems.push(`Host Namespaces: spec.${field} must be unset or false`);
    }
  }
  // baseline: HostProcess
  if (pod.windowsOptions?.hostProcess === true) {
    problems.push("HostProcess: securityContext.windowsOptions.hostProcess must be unset or false");
  }
  // baseline: HostPath Volumes; restricted: Volume Types
  for (const volume of spec.volumes ?? []) {
    const types = Object.keys(volume).filter((k) => k !== "name");
    for (const type of types) {
      if (!ALLOWED_VOLUME_TYPES.has(type)) {
        problems.push(`Volume Types: volume ${volume.name} is ${type}; allowed: ${[...ALLOWED_VOLUME_TYPES].join(", ")}`);
      }
    }
  }
  // baseline: Sysctls
  for (const sysctl of pod.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(sysctl.name)) {
      problems.push(`Sysctls: ${sysctl.name} is not in the safe set`);
    }
  }
  // baseline: AppArmor (annotation form)
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (key.startsWith(APPARMOR_ANNOTATION) && value !== "runtime/default" && !String(value).startsWith("localhost/")) {
      problems.push(`AppArmor: annotation ${key} must be runtime/default or localhost/*`);
    }
  }
  checkSecurityContext("pod", pod, problems);

  // restricted: Seccomp — RuntimeDefault or Localhost on the pod, or on every container
  const podSeccomp = pod.seccompProfile?.type;
  // restricted: Running as Non-root — runAsNonRoot true on the pod, or on every container
  const podNonRoot = pod.runAsNonRoot === true;
  if (pod.runAsNonRoot === false) {
    problems.push("Running as Non-root: securityContext.runAsNonRoot must not be false");
  }

  for (const [role, container] of containers) {
    const where = `${role} ${container.name}`;
    const sc = container.securityContext ?? {};
    // baseline: Privileged Containers
    if (sc.privileged === true) {
      problems.push(`Privileged Containers: ${where}: securityContext.privileged must be unset or false`);
    }
    // baseline: HostProcess
    if (sc.windowsOptions?.hostProcess === true) {
      problems.push(`HostProcess: ${where}: windowsOptions.hostProcess must be unset or false`);
    }
    // baseline: Host Ports
    for (const port of container.ports ?? []) {
      if (port.hostPort !== undefined && port.hostPort !== 0) {
        problems.push(`Host Ports: ${where}: hostPort ${port.hostPort} must be unset or 0`);
      }
    }
    // baseline: /proc Mount Type
    if (sc.procMount !== undefined && sc.procMount !== "Default") {
      problems.push(`/proc Mount Type: ${where}: procMount must be unset or Default`);
    }
    checkSecurityContext(where, sc, problems);
    // restricted: Privilege Escalation
    if (sc.allowPrivilegeEscalation !== false) {
      problems.push(`Privilege Escalation: ${where}: securityContext.allowPrivilegeEscalation must be false`);
    }
    // restricted: Running as Non-root
    if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true)) {
      problems.push(`Running as Non-root: ${where}: runAsNonRoot must be true (on the pod or the container)`);
    }
    // restricted: Seccomp
    const seccomp = sc.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
      problems.push(`Seccomp: ${where}: seccompProfile.type must be RuntimeDefault or Localhost (on the pod or the container)`);
    }
    // restricted: Capabilities — drop ALL, add at most NET_BIND_SERVICE (baseline's list is wider; restricted wins)
    const drop = sc.capabilities?.drop ?? [];
    if (!drop.includes("ALL")) {
      problems.push(`Capabilities: ${where}: securityContext.capabilities.drop must include ALL`);
    }
    for (const added of sc.capabilities?.add ?? []) {
      if (added !== "NET_BIND_SERVICE") {
        problems.push(`Capabilities: ${where}: may add only NET_BIND_SERVICE, not ${added}`);
      }
    }
  }
  return problems;
}

/** Controls that apply alike to the pod's and to each container's securityContext. */
function checkSecurityContext(where, sc, problems) {
  // restricted: Running as Non-root user
  if (sc.runAsUser === 0) {
    problems.push(`Running as Non-root user: ${where}: runAsUser must not be 0`);
  }
  // baseline: Seccomp — never Unconfined
  if (sc.seccompProfile?.type === "Unconfined") {
    problems.push(`Seccomp: ${where}: seccompProfile.type must not be Unconfined`);
  }
  // baseline: AppArmor (field form)
  const apparmor = sc.appArmorProfile?.type;
  if (apparmor !== undefined && apparmor !== "RuntimeDefault" && apparmor !== "Localhost") {
    problems.push(`AppArmor: ${where}: appArmorProfile.type must be RuntimeDefault or Localhost`);
  }
  // baseline: SELinux
  const selinux = sc.seLinuxOptions;
  if (selinux !== undefined) {
    if (!SELINUX_TYPES.has(selinux.type ?? "")) {
      problems.push(`SELinux: ${where}: seLinuxOptions.type ${selinux.type} is not allowed`);
    }
    if (selinux.user !== undefined || selinux.role !== undefined) {
      problems.push(`SELinux: ${where}: seLinuxOptions.user and role must be unset`);
    }
  }
}
