<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>AccountsPage</name>
    <message numerus="yes">
        <source>Its %n contact(s) go with it.</source>
        <translation>
            <numerusform>Its contact goes with it.</numerusform>
            <numerusform>Its %n contacts go with it.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n conversation(s)</source>
        <translation>
            <numerusform>%n conversation</numerusform>
            <numerusform>%n conversations</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n insight(s)</source>
        <translation>
            <numerusform>%n insight</numerusform>
            <numerusform>%n insights</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open lead(s)</source>
        <translation>
            <numerusform>%n open lead</numerusform>
            <numerusform>%n open leads</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CapturePage</name>
    <message numerus="yes">
        <source>Also delete its %n insight(s)</source>
        <translation>
            <numerusform>Also delete its %n insight</numerusform>
            <numerusform>Also delete its %n insights</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConversationDelegate</name>
    <message numerus="yes">
        <source>%n insight(s)</source>
        <translation>
            <numerusform>%n insight</numerusform>
            <numerusform>%n insights</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ConversationsPage</name>
    <message numerus="yes">
        <source>Still indexing %n record(s) from the last sync: results may be incomplete.</source>
        <translation>
            <numerusform>Still indexing a record from the last sync: results may be incomplete.</numerusform>
            <numerusform>Still indexing %n records from the last sync: results may be incomplete.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SettingsPage</name>
    <message numerus="yes">
        <source>%n minute(s)</source>
        <translation>
            <numerusform>%n minute</numerusform>
            <numerusform>%n minutes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncIndicator</name>
    <message numerus="yes">
        <source>Offline, %n pending</source>
        <translation>
            <numerusform>Offline, %n pending</numerusform>
            <numerusform>Offline, %n pending</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n pending</source>
        <translation>
            <numerusform>%n pending</numerusform>
            <numerusform>%n pending</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message numerus="yes">
        <source>%n change(s) waiting</source>
        <translation>
            <numerusform>%n change waiting</numerusform>
            <numerusform>%n changes waiting</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>The encrypted store and its keys are deleted from this device. %n change(s) have not reached the server and will be lost.</source>
        <translation>
            <numerusform>The encrypted store and its keys are deleted from this device. %n change has not reached the server and will be lost.</numerusform>
            <numerusform>The encrypted store and its keys are deleted from this device. %n changes have not reached the server and will be lost.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UnlockPage</name>
    <message numerus="yes">
        <source>Too many attempts: try again in %n second(s).</source>
        <translation>
            <numerusform>Too many attempts: try again in %n second.</numerusform>
            <numerusform>Too many attempts: try again in %n seconds.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>fieldnotes::app::DataTransfer</name>
    <message numerus="yes">
        <source>%n row(s) read: </source>
        <translation>
            <numerusform>%n row read: </numerusform>
            <numerusform>%n rows read: </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n account(s) created, </source>
        <translation>
            <numerusform>%n account created, </numerusform>
            <numerusform>%n accounts created, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n existing account(s) matched, </source>
        <translation>
            <numerusform>%n existing account matched, </numerusform>
            <numerusform>%n existing accounts matched, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n contact(s) created, </source>
        <translation>
            <numerusform>%n contact created, </numerusform>
            <numerusform>%n contacts created, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n row(s) skipped.</source>
        <translation>
            <numerusform>%n row skipped.</numerusform>
            <numerusform>%n rows skipped.</numerusform>
        </translation>
    </message>
</context>
</TS>
