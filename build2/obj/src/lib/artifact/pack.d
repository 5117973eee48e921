build2/obj/src/lib/artifact/pack.o: src/lib/artifact/pack.c \
 include/kolm/artifact.h include/kolm/err.h include/kolm/util.h \
 include/kolm/catalog.h include/kolm/ctx.h include/kolm/eval.h \
 include/kolm/export.h include/kolm/model.h include/kolm/version.h \
 src/lib/artifact/sign_internal.h
include/kolm/artifact.h:
include/kolm/err.h:
include/kolm/util.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/eval.h:
include/kolm/export.h:
include/kolm/model.h:
include/kolm/version.h:
src/lib/artifact/sign_internal.h:
