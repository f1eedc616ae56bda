"""Self-service through pull requests: what a change touches, its trusted review, owners.

Pure-ish helpers over git objects and stack files; only ``infra.review.engine`` plans (and so
imports Pulumi), late, when there is something to plan.
"""
