# the stand-in for exporters.coreml (tests/interop/coreml_export.sh)
