# The `translations` test: every "%n" text of the app (qsTr/tr with a count, in qml/) has its English plural forms in
# qml/i18n/fieldnotes_en.ts; without them the app shows "1 insight(s)". lupdate, for plural messages only, runs on a
# copy of the file: a message it adds is unfinished.
# cmake -DLUPDATE=<lupdate> -DSOURCES=<qml dir> -DTS=<the .ts file> -DWORK=<a scratch dir> -P checktranslations.cmake
file(MAKE_DIRECTORY ${WORK})
file(COPY_FILE ${TS} ${WORK}/check.ts)
execute_process(
    COMMAND ${LUPDATE} -silent -pluralonly -locations none -no-obsolete ${SOURCES} -ts ${WORK}/check.ts
    RESULT_VARIABLE result ERROR_VARIABLE errors)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "lupdate failed (${result}): ${errors}")
endif()
file(READ ${WORK}/check.ts updated)
string(REGEX MATCHALL "<source>[^<]*</source>[ \t\r\n]*<translation type=\"unfinished\">" missing "${updated}")
if(missing)
    string(REGEX REPLACE "[ \t\r\n]*<translation type=\"unfinished\">" "" missing "${missing}")
    message(FATAL_ERROR "These plural texts have no English forms in ${TS}:\n${missing}\n"
        "Add them: lupdate -pluralonly -locations none -no-obsolete qml -ts qml/i18n/fieldnotes_en.ts (from the "
        "source folder), then write the singular and plural of each new message.")
endif()
message(STATUS "Every plural text has its English forms.")
