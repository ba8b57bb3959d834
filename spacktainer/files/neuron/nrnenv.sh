#!/bin/sh
# Sourced by users of the NEURON container to find the special mechanisms.
export HOC_LIBRARY_PATH=/opt/view/share/nrn/lib/hoc
