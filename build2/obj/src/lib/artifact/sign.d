build2/obj/src/lib/artifact/sign.o: src/lib/artifact/sign.c \
 include/kolm/artifact.h include/kolm/err.h include/kolm/util.h \
 src/lib/artifact/sign_internal.h
include/kolm/artifact.h:
include/kolm/err.h:
include/kolm/util.h:
src/lib/artifact/sign_internal.h:
