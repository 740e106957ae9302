# CloudPortal in one image: the portal plus the bundled libvirt/QEMU stack.
#
# No registry pull works on the project's machines, so "FROM debian:bookworm"
# is satisfied by a base image imported from Debian packages, e.g.:
#   debootstrap --variant=minbase bookworm /tmp/rootfs http://deb.debian.org/debian
#   tar -C /tmp/rootfs -c . | podman import - debian:bookworm
#   podman build -t cloudportal .
# The .NET packages come from Microsoft's Debian 12 repository
# (packages.microsoft.com), which must be reachable when building.
#
# Run (libvirt needs a privileged container; guests use TCG without /dev/kvm):
#   podman run -d --privileged -p 5080:5080 -v cloudportal:/var/lib/cloudportal \
#     -e CLOUDPORTAL_ADMIN_PASSWORD=... cloudportal

# ---- build: publish the portal with the .NET 10 SDK ---------------------------------
FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSLo /tmp/packages-microsoft-prod.deb \
      https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb \
 && dpkg -i /tmp/packages-microsoft-prod.deb && rm /tmp/packages-microsoft-prod.deb \
 && apt-get update \
 && apt-get install -y --no-install-recommends dotnet-sdk-10.0 nodejs npm \
 && rm -rf /var/lib/apt/lists/*
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
WORKDIR /src
COPY . .
# Published output, not the build output: in Production only a published app
# finds its static web assets (MudBlazor, _framework/blazor.web.js).
RUN dotnet publish web/CloudPortal.Web/CloudPortal.Web.csproj -c Release -o /out

# ---- runtime: ASP.NET Core runtime + libvirt/QEMU -------------------------------
FROM debian:bookworm
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && curl -fsSLo /tmp/packages-microsoft-prod.deb \
      https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb \
 && dpkg -i /tmp/packages-microsoft-prod.deb && rm /tmp/packages-microsoft-prod.deb \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      aspnetcore-runtime-10.0 \
      libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils dnsmasq-base \
      tini \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/cloudportal
COPY --from=build /out /opt/cloudportal/portal
COPY scripts/lib/stack.sh /opt/cloudportal/scripts/lib/stack.sh
COPY scripts/container-entrypoint /opt/cloudportal/scripts/container-entrypoint

ENV CLOUDPORTAL_URLS=http://0.0.0.0:5080 \
    CLOUDPORTAL_DATA_DIR=/var/lib/cloudportal \
    CLOUDPORTAL_PORTAL_DIR=/opt/cloudportal/portal \
    DOTNET_CLI_TELEMETRY_OPTOUT=1
VOLUME ["/var/lib/cloudportal"]
EXPOSE 5080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
  CMD curl -fsS http://127.0.0.1:5080/healthz || exit 1

# tini reaps the daemons' children; the entrypoint starts virtlogd and
# libvirtd, then execs the portal.
ENTRYPOINT ["/usr/bin/tini", "--", "/opt/cloudportal/scripts/container-entrypoint"]
