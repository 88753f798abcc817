{{/*
The workloads, one per long-running Procfile process (its name is the component label), as a JSON list:
  name, image (backend|ui), command, kind (http: serves HTTP; worker: no HTTP server, an exec liveness probe),
  port (http), metricsPorts, appPort (Dapr), replicas, autoscaling (HPA), keda (ScaledObject triggers),
  resources, spread (topologySpreadConstraints), strategy, liveness/readiness paths.
*/}}
{{- define "todo.components" -}}
{{- $v := .Values -}}
{{- $prefix := $v.config.kafka.topicPrefix -}}
{{- $celery := list "celery" "-A" "todo_project" -}}
{{- $workerFlags := list "--without-gossip" "--without-mingle" "-l" "info" -}}
{{- $components := list -}}

{{- $components = append $components (dict
  "name" "web" "image" "backend" "kind" "http" "port" 8000 "appPort" 8000 "metricsPorts" (list 9110 9111 9112)
  "command" (list "gunicorn" "todo_project.wsgi" "-c" "python:todo_project.gunicorn_conf" "--bind" "0.0.0.0:8000" "--worker-class" "gthread" "--workers" "3" "--threads" "3" "--access-logfile" "-" "--graceful-timeout" "20")
  "env" (dict "METRICS_PORT_RANGE" "9110-9112")
  "livenessPath" "/health/live" "readinessPath" "/health/ready" "djangoHost" true
  "replicas" $v.web.replicas "autoscaling" $v.web.autoscaling "resources" $v.web.resources "spread" true) -}}

{{- $components = append $components (dict
  "name" "live" "image" "backend" "kind" "http" "port" 8001 "appPort" 8001 "metricsPorts" (list 9102)
  "command" (list "python" "manage.py" "run_live_updates" "--host" "0.0.0.0" "--port" "8001" "--metrics-port" "9102")
  "livenessPath" "/health/live" "readinessPath" "/health/ready" "djangoHost" true
  "replicas" $v.live.replicas "resources" $v.live.resources) -}}

{{- $components = append $components (dict
  "name" "relay" "image" "backend" "kind" "worker" "metricsPorts" (list 9101)
  "command" (list "python" "manage.py" "run_outbox_relay" "--metrics-port" "9101")
  "replicas" $v.relay.replicas "resources" $v.relay.resources) -}}

{{- range $bridge := list (list "recurrence" 9103 "task-events") (list "reminders" 9104 "reminders") (list "task-updates" 9105 "task-updates") (list "webhooks" 9106 "task-updates") }}
{{- $name := index $bridge 0 -}}
{{- $port := index $bridge 1 -}}
{{- $keda := dict -}}
{{- if $v.keda.enabled -}}
{{- $meta := dict "bootstrapServers" (include "todo.kafkaBootstrap" $) "consumerGroup" (printf "%s%s" $prefix $name) "topic" (printf "%s%s" $prefix (index $bridge 2)) "lagThreshold" ($v.bridges.lagThreshold | toString) "offsetResetPolicy" "earliest" -}}
{{- $keda = dict "min" $v.bridges.replicas "max" $v.config.kafka.partitions "triggers" (list (dict "type" "kafka" "metadata" $meta)) "authenticationRef" $v.keda.kafkaAuthenticationRef -}}
{{- end -}}
{{- $components = append $components (dict
  "name" (printf "bridge-%s" $name) "image" "backend" "kind" "worker" "metricsPorts" (list $port)
  "command" (list "python" "manage.py" "run_bridge" $name "--metrics-port" ($port | toString))
  "replicas" $v.bridges.replicas "resources" $v.bridges.resources "keda" $keda) -}}
{{- end }}

{{- $redisAddress := $v.keda.redisAddress | default (printf "%s:6379" (include "todo.redisHost" $)) -}}
{{- range $worker := list (list "worker" "default" "recurrence,maintenance,sweeps" "worker@%h" 9120) (list "worker-reminders" "reminders" "reminders,sweeps" "reminders@%h" 9121) (list "worker-deliveries" "deliveries" "reminder-deliveries" "deliveries@%h" 9122) (list "worker-webhooks" "webhooks" "webhooks,webhook-deliveries" "webhooks@%h" 9124) }}
{{- $values := index $v.workers (index $worker 1) -}}
{{- $keda := dict -}}
{{- if $v.keda.enabled -}}
{{- $triggers := list -}}
{{- range $queue := splitList "," (index $worker 2) -}}
{{- $triggers = append $triggers (dict "type" "redis" "metadata" (dict "address" $redisAddress "listName" $queue "listLength" ($v.workers.queueLengthThreshold | toString) "databaseIndex" ($v.keda.redisDatabaseIndex | toString))) -}}
{{- end -}}
{{- $keda = dict "min" $values.autoscaling.minReplicas "max" $values.autoscaling.maxReplicas "triggers" $triggers "authenticationRef" $v.keda.redisAuthenticationRef -}}
{{- end -}}
{{- $command := concat $celery (list "worker" "-Q" (index $worker 2) "-c" ($values.concurrency | toString) "-n" (index $worker 3)) $workerFlags (list "--metrics-port" (index $worker 4 | toString)) -}}
{{- $components = append $components (dict
  "name" (index $worker 0) "image" "backend" "kind" "worker" "metricsPorts" (list (index $worker 4))
  "command" $command "replicas" $values.replicas "autoscaling" $values.autoscaling "resources" $values.resources
  "keda" $keda "spread" true "terminationGracePeriodSeconds" 60) -}}
{{- end }}

{{- $components = append $components (dict
  "name" "beat" "image" "backend" "kind" "worker" "metricsPorts" (list 9123) "strategy" "Recreate"
  "command" (concat $celery (list "beat" "-l" "info" "--metrics-port" "9123"))
  "replicas" $v.beat.replicas "resources" $v.beat.resources) -}}

{{- if $v.flower.enabled }}
{{- $components = append $components (dict
  "name" "flower" "image" "backend" "kind" "http" "port" 5555 "appPort" 5555 "metricsPorts" (list)
  "command" (concat $celery (list "flower" "--address=0.0.0.0" "--port=5555"))
  "livenessPath" "/healthcheck" "readinessPath" "/healthcheck"
  "replicas" 1 "resources" $v.flower.resources) -}}
{{- end }}

{{- $components = append $components (dict
  "name" "ui" "image" "ui" "kind" "http" "port" 3000 "appPort" 3000 "metricsPorts" (list)
  "command" (list "node" "server.js")
  "livenessPath" "/api/auth/ok" "readinessPath" "/api/auth/ok"
  "replicas" $v.ui.replicas "resources" $v.ui.resources "spread" true) -}}

{{- $components | toJson -}}
{{- end -}}
