build2/obj/src/lib/serve/upload.o: src/lib/serve/upload.c \
 src/lib/serve/upload_internal.h include/kolm/util.h include/kolm/err.h
src/lib/serve/upload_internal.h:
include/kolm/util.h:
include/kolm/err.h:
