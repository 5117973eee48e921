build2/obj/src/lib/artifact/verify.o: src/lib/artifact/verify.c \
 include/kolm/artifact.h include/kolm/err.h include/kolm/util.h \
 include/kolm/catalog.h include/kolm/ctx.h include/kolm/export.h \
 include/kolm/gguf.h include/kolm/model.h include/kolm/quality.h \
 include/kolm/quantplan.h include/kolm/types.h include/kolm/fp16.h \
 src/lib/artifact/artifact_internal.h \
 src/lib/artifact/verify_mlx_internal.h src/lib/artifact/sign_internal.h
include/kolm/artifact.h:
include/kolm/err.h:
include/kolm/util.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/export.h:
include/kolm/gguf.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/types.h:
include/kolm/fp16.h:
src/lib/artifact/artifact_internal.h:
src/lib/artifact/verify_mlx_internal.h:
src/lib/artifact/sign_internal.h:
