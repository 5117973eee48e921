build2/obj/src/lib/artifact/export.o: src/lib/artifact/export.c \
 include/kolm/export.h include/kolm/err.h include/kolm/artifact.h \
 include/kolm/util.h include/kolm/catalog.h include/kolm/eval.h \
 include/kolm/ctx.h include/kolm/gguf.h include/kolm/hfdir.h \
 include/kolm/model.h include/kolm/quant.h include/kolm/quantplan.h \
 include/kolm/quantize.h include/kolm/safetensors.h \
 include/kolm/tokmeta.h include/kolm/types.h include/kolm/fp16.h \
 include/kolm/version.h src/lib/artifact/artifact_internal.h \
 src/lib/artifact/sign_internal.h
include/kolm/export.h:
include/kolm/err.h:
include/kolm/artifact.h:
include/kolm/util.h:
include/kolm/catalog.h:
include/kolm/eval.h:
include/kolm/ctx.h:
include/kolm/gguf.h:
include/kolm/hfdir.h:
include/kolm/model.h:
include/kolm/quant.h:
include/kolm/quantplan.h:
include/kolm/quantize.h:
include/kolm/safetensors.h:
include/kolm/tokmeta.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/version.h:
src/lib/artifact/artifact_internal.h:
src/lib/artifact/sign_internal.h:
