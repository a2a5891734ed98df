{{/*
Names. Every object is <fullname>-<component>; fullname is the release name,
plus the chart name unless the release name already contains it.
*/}}
{{- define "animate.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "animate.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* <fullname>-<component>, for a dict with "root" and "component". */}}
{{- define "animate.componentName" -}}
{{- printf "%s-%s" (include "animate.fullname" .root | trunc 50 | trimSuffix "-") .component }}
{{- end }}

{{- define "animate.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels recommended by Kubernetes (app.kubernetes.io/*) plus helm.sh/chart.
Argument: dict "root" $ "component" "server"|"worker"|"redis"|"".
*/}}
{{- define "animate.labels" -}}
helm.sh/chart: {{ include "animate.chart" .root }}
{{ include "animate.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ include "animate.name" .root }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Immutable selector labels (never add version-dependent labels here). */}}
{{- define "animate.selectorLabels" -}}
app.kubernetes.io/name: {{ include "animate.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end }}

{{- define "animate.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "animate.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Image reference: [registry/]repository(:tag|@digest). The tag defaults to the
chart's appVersion; a digest wins over the tag.
Argument: dict "root" $ "image" .Values.<component>.image.
*/}}
{{- define "animate.image" -}}
{{- $registry := .image.registry | default .root.Values.global.imageRegistry -}}
{{- $repo := .image.repository -}}
{{- if $registry }}{{ $repo = printf "%s/%s" $registry $repo }}{{ end -}}
{{- if .image.digest -}}
{{- printf "%s@%s" $repo .image.digest -}}
{{- else -}}
{{- printf "%s:%s" $repo (.image.tag | default .root.Chart.AppVersion | toString) -}}
{{- end -}}
{{- end }}

{{/* Pod- and container-level security contexts (values win, defaults are strict). */}}
{{- define "animate.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{- define "animate.containerSecurityContext" -}}
{{- toYaml .Values.containerSecurityContext }}
{{- end }}

{{/* In-cluster Redis service name and host:port. */}}
{{- define "animate.redis.serviceName" -}}
{{- include "animate.componentName" (dict "root" . "component" "redis") }}
{{- end }}

{{/*
Environment entries that give a container ANIMATE_REDIS_URL (+ ANIMATE_REDIS_PREFIX).
The in-cluster Redis with a password uses Kubernetes' $(VAR) expansion so the
password never appears in the pod spec.
*/}}
{{- define "animate.redisEnv" -}}
{{- if .Values.redis.enabled }}
{{- if .Values.redis.auth.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "animate.redisPasswordSecretName" . }}
      key: {{ .Values.redis.auth.passwordKey }}
- name: ANIMATE_REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s:%d/0" (include "animate.redis.serviceName" .) (int .Values.redis.service.port) | quote }}
{{- else }}
- name: ANIMATE_REDIS_URL
  value: {{ printf "redis://%s:%d/0" (include "animate.redis.serviceName" .) (int .Values.redis.service.port) | quote }}
{{- end }}
{{- else if .Values.redis.externalUrlSecret.name }}
- name: ANIMATE_REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.redis.externalUrlSecret.name }}
      key: {{ .Values.redis.externalUrlSecret.key }}
{{- else if .Values.redis.externalUrl }}
- name: ANIMATE_REDIS_URL
  value: {{ .Values.redis.externalUrl | quote }}
{{- else }}
{{- fail "redis.enabled=false needs redis.externalUrl (redis://host:6379/0) or redis.externalUrlSecret" }}
{{- end }}
{{- with .Values.redisPrefix }}
- name: ANIMATE_REDIS_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- end }}

{{/* The Redis password's Secret: existing, or the one the chart generates. */}}
{{- define "animate.redisPasswordSecretName" -}}
{{- if .Values.redis.auth.existingSecret }}
{{- .Values.redis.auth.existingSecret }}
{{- else }}
{{- include "animate.componentName" (dict "root" . "component" "redis-auth") }}
{{- end }}
{{- end }}

{{/* API keys: Secret name (existing or rendered from values). */}}
{{- define "animate.apiKeysSecretName" -}}
{{- if .Values.server.auth.existingSecret }}
{{- .Values.server.auth.existingSecret }}
{{- else }}
{{- include "animate.componentName" (dict "root" . "component" "api-keys") }}
{{- end }}
{{- end }}

{{/* A gRPC probe (Kubernetes native) from a probe values block and a port. */}}
{{- define "animate.grpcProbe" -}}
grpc:
  port: {{ .port }}
  {{- with .probe.service }}
  service: {{ . | quote }}
  {{- end }}
{{- with (omit .probe "service") }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The same timing as an HTTP GET of the status endpoint (/healthz, /readyz): the
server with TLS, whose gRPC port Kubernetes' plaintext gRPC probes cannot reach. */}}
{{- define "animate.httpProbe" -}}
httpGet:
  path: {{ .path }}
  port: {{ .port }}
{{- with (omit .probe "service") }}
{{ toYaml . }}
{{- end }}
{{- end }}
