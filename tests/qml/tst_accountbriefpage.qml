import QtQuick
import QtTest
import Fieldnotes

// The account page is the brief: leads, insights by kind, quotes, contacts, last conversation; Markdown and PDF
// export of the same content. A sales rep reads only: no editing, no publishing, no notes.
TestCase {
    id: testCase
    name: "AccountBriefPage"
    when: windowShown
    // Shown, so that visibility and clicks are what a user gets.
    visible: true
    width: 1000
    height: 1400

    Component {
        id: actionsComponent
        RecordActions {
            session: AppSession
        }
    }
    Component {
        id: pageComponent
        AccountPage {
            width: testCase.width
            height: testCase.height
        }
    }

    property string acme
    property string initech

    function initTestCase() {
        const actions = createTemporaryObject(actionsComponent, testCase)
        acme = actions.save("account", "", { name: "Acme Tools", domain: "acme.example" })
        const conversation = actions.save("conversation", "", { account_id: acme, title: "Plant visit",
                                                                 occurred_at: "2026-01-10T09:00:00Z",
                                                                 channel: "in_person", notes: "raw notes" })
        actions.save("insight", "", { account_id: acme, conversation_id: conversation, kind: "need",
                                      text: "Calibration in minutes", importance: 4, published: true,
                                      quote: "We lose a shift to calibration" })
        actions.save("insight", "", { account_id: acme, conversation_id: conversation, kind: "pain",
                                      text: "Unplanned downtime" })
        actions.save("lead", "", { account_id: acme, recommendation: "Offer a pilot", priority: 1, status: "open" })
        actions.save("contact", "", { account_id: acme, name: "Jane Roe", title: "CTO" })
        // An account as a sales rep's device holds it: a published insight, no conversation.
        initech = actions.save("account", "", { name: "Initech" })
        actions.save("insight", "", { account_id: initech, kind: "competitor", text: "Evaluates Globex",
                                      published: true })
    }

    function test_marketerSeesTheBriefAndExports() {
        const page = createTemporaryObject(pageComponent, testCase, { role: "marketer", accountId: acme })
        const brief = page.brief
        compare(brief.name, "Acme Tools")
        compare(brief.groups.length, 2)
        compare(brief.groups[0].title, "Needs")
        compare(brief.groups[1].title, "Pains")
        verify(findChild(page, "briefGroup_need").visible)
        verify(findChild(page, "briefGroup_pain").visible)
        verify(findChild(page, "briefLead_0").visible)
        verify(findChild(page, "briefLastConversation").visible)
        verify(findChild(page, "briefNewLeadButton").visible)
        verify(findChild(page, "accountAddContact").visible)
        verify(findChild(page, "accountEditToggle").visible)
        compare(brief.lastConversation.title, "Plant visit")

        // What sales would see: the unpublished pain goes.
        const salesView = findChild(page, "briefSalesViewSwitch")
        mouseClick(salesView)
        compare(brief.groups.length, 1)
        verify(findChild(page, "briefGroup_pain") === null || !findChild(page, "briefGroup_pain").visible)
        mouseClick(salesView)
        compare(brief.groups.length, 2)

        // The exports: the Markdown is what the screen shows; the PDF is a PDF.
        const markdown = brief.markdown()
        verify(markdown.indexOf("# Acme Tools: account brief") === 0)
        verify(markdown.indexOf("### Needs") > 0)
        verify(markdown.indexOf("Offer a pilot") > 0)
        verify(markdown.indexOf("raw notes") < 0)
        const base = "file://" + AppSession.storeDirectory + "-export"
        verify(page.exportTo("markdown", base + ".md"))
        verify(findChild(page, "briefExportMessage").text.indexOf("Saved to") === 0)
        verify(page.exportTo("pdf", base + ".pdf"))
        verify(!page.exportTo("pdf", "file:///nonexistent-folder-for-fieldnotes/brief.pdf"))
        verify(findChild(page, "briefExportMessage").text.length > 0)
        compare(brief.suggestedFileName("pdf"), "Acme Tools brief.pdf")
        verify(findChild(page, "briefExportButton").enabled)
    }

    function test_salesReadsOnly() {
        const page = createTemporaryObject(pageComponent, testCase, { role: "sales", accountId: acme })
        const brief = page.brief
        // Published insights only, whatever the store holds; nothing to edit or publish.
        compare(brief.publishedOnly, true)
        compare(brief.groups.length, 1)
        compare(brief.groups[0].insights[0].text, "Calibration in minutes")
        verify(!findChild(page, "briefNewLeadButton").visible)
        verify(!findChild(page, "accountAddContact").visible)
        verify(!findChild(page, "accountEditToggle").visible)
        verify(!findChild(page, "briefSalesViewSwitch").visible)
        verify(findChild(page, "briefExportButton").enabled)
        // An open lead is a tap away.
        let opened = ""
        page.openLead.connect(id => opened = id)
        mouseClick(findChild(page, "briefLead_0"))
        verify(opened.length > 0)
    }

    function test_salesStoreHasNoConversation() {
        const page = createTemporaryObject(pageComponent, testCase, { role: "sales", accountId: initech })
        const brief = page.brief
        compare(brief.groups.length, 1)
        compare(brief.groups[0].title, "Competitors")
        compare(Object.keys(brief.lastConversation).length, 0)
        verify(!findChild(page, "briefLastConversation").visible)
        verify(brief.markdown().indexOf("Last conversation") < 0)
        const base = "file://" + AppSession.storeDirectory + "-initech"
        verify(page.exportTo("pdf", base + ".pdf"))
    }

    function test_phoneWidthDoesNotOverflow() {
        const page = createTemporaryObject(pageComponent, testCase, { role: "sales", accountId: acme })
        page.width = 360
        wait(50)
        const group = findChild(page, "briefGroup_need")
        verify(group.width <= 360 - 2 * 16)
        verify(findChild(page, "briefLead_0").width <= 360)
    }
}
