{{/* Names ------------------------------------------------------------------------------------------ */}}

{{- define "todo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "todo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "todo.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Common labels; pass (dict "root" $ "component" "web"). */}}
{{- define "todo.labels" -}}
helm.sh/chart: {{ include "todo.chart" .root }}
{{ include "todo.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: todo
{{- end -}}

{{- define "todo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "todo.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "todo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "todo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The Dapr app id of a component: <release>-<component>, e.g. todo-web. */}}
{{- define "todo.appId" -}}
{{- printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Images: repo@sha256:... when a digest is set, else repo:tag. Pass the image's values. */}}
{{- define "todo.image" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository (required "an image tag or digest is required" .tag | toString) -}}
{{- end -}}
{{- end -}}

{{/* External services ------------------------------------------------------------------------------ */}}

{{- define "todo.redisHost" -}}
{{- printf "%s-redis" (include "todo.fullname" .) -}}
{{- end -}}

{{- define "todo.celeryBrokerUrl" -}}
{{- if .Values.config.celeryBrokerUrl -}}
{{- .Values.config.celeryBrokerUrl -}}
{{- else if .Values.redis.enabled -}}
{{- printf "redis://%s:6379/0" (include "todo.redisHost" .) -}}
{{- else -}}
{{- fail "config.celeryBrokerUrl is required when redis.enabled is false" -}}
{{- end -}}
{{- end -}}

{{- define "todo.liveUpdatesRedisUrl" -}}
{{- if .Values.config.liveUpdatesRedisUrl -}}
{{- .Values.config.liveUpdatesRedisUrl -}}
{{- else if .Values.redis.enabled -}}
{{- printf "redis://%s:6379/1" (include "todo.redisHost" .) -}}
{{- else -}}
{{- fail "config.liveUpdatesRedisUrl is required when redis.enabled is false" -}}
{{- end -}}
{{- end -}}

{{- define "todo.kafkaBootstrap" -}}
{{- if .Values.strimzi.enabled -}}
{{- printf "%s-kafka-kafka-bootstrap:9092" (include "todo.fullname" .) -}}
{{- else -}}
{{- .Values.config.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{/* How one app reaches another: through the local Dapr sidecar (mTLS), or the Service's DNS name. */}}
{{- define "todo.serviceUrl" -}}
{{- printf "http://%s-%s.%s.svc:%v" (include "todo.fullname" .root) .component .root.Release.Namespace .port -}}
{{- end -}}

{{- define "todo.jwksUrl" -}}
{{- if .Values.dapr.enabled -}}
{{- printf "http://127.0.0.1:3500/v1.0/invoke/%s/method/api/auth/jwks" (include "todo.appId" (dict "root" . "component" "ui")) -}}
{{- else -}}
{{- printf "%s/api/auth/jwks" (include "todo.serviceUrl" (dict "root" . "component" "ui" "port" 3000)) -}}
{{- end -}}
{{- end -}}

{{- define "todo.publicUiOrigin" -}}
{{- printf "%s://%s" (ternary "https" "http" (and .Values.ingress.enabled .Values.ingress.tls.enabled)) .Values.hosts.ui -}}
{{- end -}}

{{- define "todo.publicApiOrigin" -}}
{{- printf "%s://%s" (ternary "https" "http" (and .Values.ingress.enabled .Values.ingress.tls.enabled)) .Values.hosts.api -}}
{{- end -}}

{{/* The backend's non-secret settings: the ConfigMap's data, and the hook Jobs' env (they run before the
ConfigMap exists on a first install). */}}
{{- define "todo.configData" -}}
{{- $fullname := include "todo.fullname" . -}}
{{- $hosts := list .Values.hosts.api "localhost" "127.0.0.1" -}}
{{- range $service := list "web" "live" }}
{{- $hosts = append $hosts (printf "%s-%s" $fullname $service) -}}
{{- $hosts = append $hosts (printf "%s-%s.%s.svc" $fullname $service $.Release.Namespace) -}}
{{- end }}
{{- $hosts = concat $hosts .Values.config.djangoAllowedHosts -}}
DJANGO_DEBUG: "false"
DJANGO_ALLOWED_HOSTS: {{ join "," $hosts | quote }}
DJANGO_CSRF_TRUSTED_ORIGINS: {{ printf "%s,%s" (include "todo.publicApiOrigin" .) (include "todo.publicUiOrigin" .) | quote }}
PUBLIC_BASE_URL: {{ include "todo.publicUiOrigin" . | quote }}
JWKS_URL: {{ include "todo.jwksUrl" . | quote }}
JWT_ISSUER: {{ include "todo.publicUiOrigin" . | quote }}
JWT_AUDIENCE: {{ include "todo.publicUiOrigin" . | quote }}
KAFKA_BOOTSTRAP_SERVERS: {{ include "todo.kafkaBootstrap" . | quote }}
KAFKA_TOPIC_PREFIX: {{ .Values.config.kafka.topicPrefix | quote }}
KAFKA_PARTITIONS: {{ .Values.config.kafka.partitions | quote }}
KAFKA_REPLICATION_FACTOR: {{ .Values.config.kafka.replicationFactor | quote }}
KAFKA_MIN_INSYNC_REPLICAS: {{ .Values.config.kafka.minInsyncReplicas | quote }}
CELERY_BROKER_URL: {{ include "todo.celeryBrokerUrl" . | quote }}
LIVE_UPDATES_REDIS_URL: {{ include "todo.liveUpdatesRedisUrl" . | quote }}
EMAIL_HOST: {{ .Values.config.email.host | quote }}
EMAIL_PORT: {{ .Values.config.email.port | quote }}
EMAIL_HOST_USER: {{ .Values.config.email.user | quote }}
EMAIL_USE_TLS: {{ .Values.config.email.useTls | quote }}
DEFAULT_FROM_EMAIL: {{ .Values.config.email.defaultFrom | quote }}
METRICS_ADDRESS: "0.0.0.0"
WORKER_METRICS_DIR: /tmp/metrics
LIVENESS_FILE: /tmp/liveness
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
LOG_FORMAT: {{ .Values.config.logFormat | quote }}
OTEL_TRACES_EXPORTER: {{ .Values.config.tracing.exporter | quote }}
OTEL_EXPORTER_ZIPKIN_ENDPOINT: {{ .Values.config.tracing.zipkinEndpoint | quote }}
OTEL_TRACES_SAMPLER_ARG: {{ .Values.config.tracing.samplerArg | quote }}
ASSISTANT_PROVIDER_URL: {{ .Values.config.assistant.providerUrl | quote }}
ASSISTANT_PROVIDER_MODEL: {{ .Values.config.assistant.providerModel | quote }}
ASSISTANT_PROVIDER_TIMEOUT_SECONDS: {{ .Values.config.assistant.providerTimeoutSeconds | quote }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Dapr ------------------------------------------------------------------------------------------- */}}

{{- define "todo.secretStoreName" -}}
{{- printf "%s-secretstore" (include "todo.fullname" .) -}}
{{- end -}}

{{- define "todo.daprConfigName" -}}
{{- printf "%s-dapr" (include "todo.fullname" .) -}}
{{- end -}}

{{/* The names the secret store is limited to (the Configuration's secrets.scopes): the one Secret. */}}
{{- define "todo.allowedSecrets" -}}
{{- list .Values.secrets.existingSecret | toJson -}}
{{- end -}}

{{/* Pod annotations for Dapr; pass (dict "root" $ "component" "web" "appPort" 8000). */}}
{{- define "todo.daprAnnotations" -}}
{{- if .root.Values.dapr.enabled }}
dapr.io/enabled: "true"
dapr.io/app-id: {{ include "todo.appId" . | quote }}
{{- if .appPort }}
dapr.io/app-port: {{ .appPort | quote }}
{{- end }}
dapr.io/config: {{ include "todo.daprConfigName" .root | quote }}
dapr.io/log-level: {{ .root.Values.dapr.logLevel | quote }}
dapr.io/log-as-json: "true"
dapr.io/enable-metrics: "true"
dapr.io/metrics-port: {{ .root.Values.dapr.metricsPort | quote }}
dapr.io/sidecar-seccomp-profile-type: RuntimeDefault
{{- /* Only the sidecar gets an API token (to read the one Secret); the app containers mount none. */}}
dapr.io/volume-mounts: "kube-api-access:/var/run/secrets/kubernetes.io/serviceaccount"
{{- end }}
{{- end -}}

{{/* Secret settings of a backend container; pass (dict "root" $ "hook" false). Long-running processes with
Dapr: the loader's contract (todo_project/dapr_secrets.py). Without Dapr, and in the hook Jobs (no sidecar),
secretKeyRefs to the existing Secret; a hook needs only the database and Kafka credentials. */}}
{{- define "todo.backendSecretEnv" -}}
{{- $v := .root.Values -}}
{{- if and $v.dapr.enabled (not .hook) }}
- name: DAPR_SECRET_STORE
  value: {{ include "todo.secretStoreName" .root | quote }}
- name: DAPR_SECRETS
  value: {{ join "," $v.secrets.keys | quote }}
- name: DAPR_SECRET_NAME
  value: {{ $v.secrets.existingSecret | quote }}
- name: DAPR_SECRETS_TIMEOUT
  value: {{ $v.secrets.timeoutSeconds | quote }}
{{- else }}
- name: DAPR_SECRETS
  value: ""
{{- range $v.secrets.keys }}
{{- if or (not $.hook) (has . (list "DATABASE_URL" "DJANGO_SECRET_KEY" "KAFKA_SASL_USERNAME" "KAFKA_SASL_PASSWORD")) }}
- name: {{ . }}
  valueFrom:
    secretKeyRef:
      name: {{ $v.secrets.existingSecret }}
      key: {{ . }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Every key of secrets.existingSecret the release reads (a JSON list, sorted): the settings in
secrets.keys (through Dapr, or by secretKeyRef without it and in the hooks), DATABASE_URL (the UI and the
hooks), the UI's auth secret and, with Flower, its basic auth. */}}
{{- define "todo.secretKeys" -}}
{{- $keys := concat .Values.secrets.keys (list "DATABASE_URL" .Values.ui.authSecretKey) -}}
{{- if .Values.flower.enabled -}}
{{- $keys = append $keys .Values.flower.basicAuthKey -}}
{{- end -}}
{{- $keys | uniq | sortAlpha | toJson -}}
{{- end -}}

{{/* The OCI Vault secret holding a key: secrets.ociVault.remoteNames, else the key in kebab case (DATABASE_URL
is database-url, as todo_project/dapr_secrets.py names a setting's secret). */}}
{{- define "todo.remoteSecretName" -}}
{{- $names := .root.Values.secrets.ociVault.remoteNames | default dict -}}
{{- get $names .key | default (.key | lower | replace "_" "-") -}}
{{- end -}}

{{/* Hardening ---------------------------------------------------------------------------------------- */}}

{{- define "todo.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "todo.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The projected API token that only the Dapr sidecar mounts (Kubernetes secret store). */}}
{{- define "todo.kubeApiVolume" -}}
- name: kube-api-access
  projected:
    sources:
      - serviceAccountToken:
          path: token
          expirationSeconds: 3600
      - configMap:
          name: kube-root-ca.crt
          items:
            - key: ca.crt
              path: ca.crt
      - downwardAPI:
          items:
            - path: namespace
              fieldRef:
                fieldPath: metadata.namespace
{{- end -}}
