"""Kubernetes compute: the EKS cluster and add-ons, team namespaces, pools, Spark, notebooks
and CI runners. Modules named for a concept; pure helpers (names, kubeconfig, cronwindow, quota,
specs) import no Pulumi."""
