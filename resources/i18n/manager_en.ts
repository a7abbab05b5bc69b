<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export a CSV file</source>
        <translation>Export a CSV file</translation>
    </message>
    <message>
        <source>File: {0}</source>
        <translation>File: {0}</translation>
    </message>
    <message>
        <source>Save it to:</source>
        <translation>Save it to:</translation>
    </message>
    <message>
        <source>USB drive “{0}”</source>
        <translation>USB drive “{0}”</translation>
    </message>
    <message>
        <source>This kiosk's export folder</source>
        <translation>This kiosk's export folder</translation>
    </message>
    <message>
        <source>The file opens in Excel and WPS.</source>
        <translation>The file opens in Excel and WPS.</translation>
    </message>
    <message>
        <source>No USB drive found. Plug one in, then tap Look again.</source>
        <translation>No USB drive found. Plug one in, then tap Look again.</translation>
    </message>
    <message>
        <source>Look again</source>
        <translation>Look again</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>Export</translation>
    </message>
</context>
<context>
    <name>ManagerView</name>
    <message>
        <source>Refunded</source>
        <extracomment>The volume buttons' step (the slider moves by one). Core events of interest, re-emitted here so that they are handled on the GUI thread. A refund slip that could not be printed (from a worker thread). The details panel of each selectable table, which table's row each panel shows, and that row.</extracomment>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Needs a refund</source>
        <translation>Needs a refund</translation>
    </message>
    <message>
        <source>Manager — {0}</source>
        <translation>Manager — {0}</translation>
    </message>
    <message>
        <source>Training mode</source>
        <translation>Training mode</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Today</translation>
    </message>
    <message>
        <source>WeChat Pay bill</source>
        <translation>WeChat Pay bill</translation>
    </message>
    <message>
        <source>Reconciliation</source>
        <translation>Reconciliation</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Settings</translation>
    </message>
    <message>
        <source>Refund…</source>
        <translation>Refund…</translation>
    </message>
    <message>
        <source>Re-query order</source>
        <translation>Re-query order</translation>
    </message>
    <message>
        <source>Z-report…</source>
        <translation>Z-report…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>Number of orders</source>
        <translation>Number of orders</translation>
    </message>
    <message>
        <source>Received (WeChat Pay)</source>
        <translation>Received (WeChat Pay)</translation>
    </message>
    <message>
        <source>Average sale</source>
        <translation>Average sale</translation>
    </message>
    <message>
        <source>Orders by state</source>
        <translation>Orders by state</translation>
    </message>
    <message>
        <source>Best sellers</source>
        <translation>Best sellers</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>Count</translation>
    </message>
    <message>
        <source>Sold</source>
        <translation>Sold</translation>
    </message>
    <message>
        <source>Charged at</source>
        <translation>Charged at</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>Paid by</translation>
    </message>
    <message>
        <source>Received by payment method</source>
        <translation>Received by payment method</translation>
    </message>
    <message>
        <source>Training: jump to 10:00 tomorrow, when today's bill comes out</source>
        <translation>Training: jump to 10:00 tomorrow, when today's bill comes out</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>Payments</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <source>What was found</source>
        <translation>What was found</translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation>WeChat Pay</translation>
    </message>
    <message>
        <source>This kiosk</source>
        <translation>This kiosk</translation>
    </message>
    <message>
        <source>Sound</source>
        <translation>Sound</translation>
    </message>
    <message>
        <source>Every payment is announced (a chime and “微信收款 … 元”); a wrong scan or a failed payment sounds a warning.</source>
        <translation>Every payment is announced (a chime and “微信收款 … 元”); a wrong scan or a failed payment sounds a warning.</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>Volume</translation>
    </message>
    <message>
        <source>Quieter</source>
        <translation>Quieter</translation>
    </message>
    <message>
        <source>Louder</source>
        <translation>Louder</translation>
    </message>
    <message>
        <source>Try it</source>
        <translation>Try it</translation>
    </message>
    <message>
        <source>Refund of {0} for order {1}: {2}</source>
        <translation>Refund of {0} for order {1}: {2}</translation>
    </message>
    <message>
        <source>refund slip sent to the printer</source>
        <translation>refund slip sent to the printer</translation>
    </message>
    <message>
        <source>Tap a row to see all of it here.</source>
        <translation>Tap a row to see all of it here.</translation>
    </message>
    <message>
        <source>First tap the order to refund (Orders, the bill or Reconciliation).</source>
        <translation>First tap the order to refund (Orders, the bill or Reconciliation).</translation>
    </message>
    <message>
        <source>No refund</source>
        <translation>No refund</translation>
    </message>
    <message>
        <source>Order {0} was not sold on this kiosk: refund it in the WeChat Pay merchant platform.</source>
        <translation>Order {0} was not sold on this kiosk: refund it in the WeChat Pay merchant platform.</translation>
    </message>
    <message>
        <source>Order {0} is not paid on this kiosk's record: tap Re-query order first.</source>
        <translation>Order {0} is not paid on this kiosk's record: tap Re-query order first.</translation>
    </message>
    <message>
        <source>Order {0} is already refunded in full.</source>
        <translation>Order {0} is already refunded in full.</translation>
    </message>
    <message>
        <source>The refund was not sent</source>
        <translation>The refund was not sent</translation>
    </message>
    <message>
        <source>The refund slip for order {0} was not printed. Check the printer.</source>
        <translation>The refund slip for order {0} was not printed. Check the printer.</translation>
    </message>
    <message>
        <source>First tap the order to ask WeChat Pay about.</source>
        <translation>First tap the order to ask WeChat Pay about.</translation>
    </message>
    <message>
        <source>Re-query failed</source>
        <translation>Re-query failed</translation>
    </message>
    <message>
        <source>Order {0} is now: {1}</source>
        <translation>Order {0} is now: {1}</translation>
    </message>
    <message>
        <source>Fetching the bill for {0}…</source>
        <translation>Fetching the bill for {0}…</translation>
    </message>
    <message>
        <source>Comparing the bill with this kiosk's record…</source>
        <translation>Comparing the bill with this kiosk's record…</translation>
    </message>
    <message>
        <source>Reconciliation failed</source>
        <translation>Reconciliation failed</translation>
    </message>
    <message>
        <source>No bill to compare for {0}.</source>
        <translation>No bill to compare for {0}.</translation>
    </message>
    <message>
        <source>Fetch a bill to compare it with this kiosk's record.</source>
        <translation>Fetch a bill to compare it with this kiosk's record.</translation>
    </message>
    <message>
        <source>{0}: WeChat Pay received {1} and refunded {2}; this kiosk recorded {3} received and {4} refunded.</source>
        <translation>{0}: WeChat Pay received {1} and refunded {2}; this kiosk recorded {3} received and {4} refunded.</translation>
    </message>
    <message>
        <source>The training clock did not move</source>
        <translation>The training clock did not move</translation>
    </message>
    <message>
        <source>Training: WeChat Pay's clock is now {0}; the bill for {1} can be fetched.</source>
        <translation>Training: WeChat Pay's clock is now {0}; the bill for {1} can be fetched.</translation>
    </message>
    <message>
        <source>No receipt printer is set up on this kiosk.</source>
        <translation>No receipt printer is set up on this kiosk.</translation>
    </message>
    <message>
        <source>No Z-report</source>
        <translation>No Z-report</translation>
    </message>
    <message>
        <source>The Z-report was not printed</source>
        <translation>The Z-report was not printed</translation>
    </message>
    <message>
        <source>The Z-report for {0} was already printed: open it again to print a copy.</source>
        <translation>The Z-report for {0} was already printed: open it again to print a copy.</translation>
    </message>
    <message>
        <source>A copy of the Z-report for {0}, marked REPRINT, is printing.</source>
        <translation>A copy of the Z-report for {0}, marked REPRINT, is printing.</translation>
    </message>
    <message>
        <source>The Z-report for {0} is printing.</source>
        <translation>The Z-report for {0} is printing.</translation>
    </message>
    <message>
        <source>Fetch a bill first: there is no comparison to export yet.</source>
        <translation>Fetch a bill first: there is no comparison to export yet.</translation>
    </message>
    <message>
        <source>The comparison of {0}'s bill with this kiosk's record</source>
        <translation>The comparison of {0}'s bill with this kiosk's record</translation>
    </message>
    <message>
        <source>The orders of {0}</source>
        <translation>The orders of {0}</translation>
    </message>
    <message>
        <source>The file was not saved</source>
        <translation>The file was not saved</translation>
    </message>
    <message>
        <source>Saved: {0}</source>
        <translation>Saved: {0}</translation>
    </message>
    <message>
        <source>Sound is on</source>
        <translation>Sound is on</translation>
    </message>
    <message>
        <source>Sound is off</source>
        <translation>Sound is off</translation>
    </message>
    <message>
        <source>The sound setting was not kept</source>
        <translation>The sound setting was not kept</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>Sales</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>Refunds</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>Net</translation>
    </message>
    <message>
        <source>Sales by hour</source>
        <translation>Sales by hour</translation>
    </message>
    <message>
        <source>Today's orders</source>
        <translation>Today's orders</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Refresh</translation>
    </message>
    <message>
        <source>State</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>Amount</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>Item</translation>
    </message>
    <message>
        <source>Refundable</source>
        <translation>Refundable</translation>
    </message>
    <message>
        <source>Paid at</source>
        <translation>Paid at</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>No.</source>
        <translation>No.</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Time</translation>
    </message>
    <message>
        <source>Day before</source>
        <translation>Day before</translation>
    </message>
    <message>
        <source>Day after</source>
        <translation>Day after</translation>
    </message>
    <message>
        <source>Fetch bill</source>
        <translation>Fetch bill</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>Fees</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Fee</source>
        <translation>Fee</translation>
    </message>
    <message>
        <source>Orders: {0}</source>
        <translation>Orders: {0}</translation>
    </message>
    <message>
        <source>Refunds: {0}</source>
        <translation>Refunds: {0}</translation>
    </message>
    <message>
        <source>Paid after cancel — to refund: {0}</source>
        <translation>Paid after cancel — to refund: {0}</translation>
    </message>
    <message>
        <source>Paid after cancel — nothing to do</source>
        <translation>Paid after cancel — nothing to do</translation>
    </message>
    <message>
        <source>Payment codes not settled: {0}</source>
        <translation>Payment codes not settled: {0}</translation>
    </message>
    <message>
        <source>To look at: {0}. Tap one to see what to do.</source>
        <translation>To look at: {0}. Tap one to see what to do.</translation>
    </message>
    <message>
        <source>Everything matches.</source>
        <translation>Everything matches.</translation>
    </message>
</context>
<context>
    <name>ManagerWords</name>
    <message>
        <source>Paid</source>
        <translation>Paid</translation>
    </message>
    <message>
        <source>Not paid</source>
        <translation>Not paid</translation>
    </message>
    <message>
        <source>Customer paying</source>
        <translation>Customer paying</translation>
    </message>
    <message>
        <source>Payment failed</source>
        <translation>Payment failed</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>Closed</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>Revoked</translation>
    </message>
    <message>
        <source>Requested</source>
        <translation>Requested</translation>
    </message>
    <message>
        <source>Sent to WeChat Pay</source>
        <translation>Sent to WeChat Pay</translation>
    </message>
    <message>
        <source>Being refunded</source>
        <translation>Being refunded</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Refund stuck: handle it in the WeChat Pay merchant platform</source>
        <translation>Refund stuck: handle it in the WeChat Pay merchant platform</translation>
    </message>
    <message>
        <source>Refund closed: nothing was paid back</source>
        <translation>Refund closed: nothing was paid back</translation>
    </message>
    <message>
        <source>Refund refused: nothing was paid back</source>
        <translation>Refund refused: nothing was paid back</translation>
    </message>
    <message>
        <source>Matches</source>
        <translation>Matches</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, no sale on this kiosk</source>
        <translation>Paid in WeChat Pay, no sale on this kiosk</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, unpaid on this kiosk</source>
        <translation>Paid in WeChat Pay, unpaid on this kiosk</translation>
    </message>
    <message>
        <source>Paid after the sale was cancelled</source>
        <translation>Paid after the sale was cancelled</translation>
    </message>
    <message>
        <source>Amounts differ</source>
        <translation>Amounts differ</translation>
    </message>
    <message>
        <source>Paid on this kiosk, not in the bill</source>
        <translation>Paid on this kiosk, not in the bill</translation>
    </message>
    <message>
        <source>Paid twice in the bill</source>
        <translation>Paid twice in the bill</translation>
    </message>
    <message>
        <source>Another cash register's sale</source>
        <translation>Another cash register's sale</translation>
    </message>
    <message>
        <source>Refund matches</source>
        <translation>Refund matches</translation>
    </message>
    <message>
        <source>Refund differs</source>
        <translation>Refund differs</translation>
    </message>
    <message>
        <source>Refund not made on this kiosk</source>
        <translation>Refund not made on this kiosk</translation>
    </message>
    <message>
        <source>Refund not in the bill</source>
        <translation>Refund not in the bill</translation>
    </message>
    <message>
        <source>Payment code paid and given back</source>
        <translation>Payment code paid and given back</translation>
    </message>
    <message>
        <source>Nothing to do</source>
        <translation>Nothing to do</translation>
    </message>
    <message>
        <source>Refund it in the WeChat Pay merchant platform: this kiosk has no sale for it</source>
        <translation>Refund it in the WeChat Pay merchant platform: this kiosk has no sale for it</translation>
    </message>
    <message>
        <source>Select it and tap Re-query order</source>
        <translation>Select it and tap Re-query order</translation>
    </message>
    <message>
        <source>Look the order up in the WeChat Pay merchant platform</source>
        <translation>Look the order up in the WeChat Pay merchant platform</translation>
    </message>
    <message>
        <source>Select it and tap Re-query order to check the refund</source>
        <translation>Select it and tap Re-query order to check the refund</translation>
    </message>
    <message>
        <source>Look the refund up in the WeChat Pay merchant platform</source>
        <translation>Look the refund up in the WeChat Pay merchant platform</translation>
    </message>
    <message>
        <source>Refunds are not set up on this kiosk. Ask whoever installed it to add the refund permission, or refund in the WeChat Pay merchant platform.</source>
        <translation>Refunds are not set up on this kiosk. Ask whoever installed it to add the refund permission, or refund in the WeChat Pay merchant platform.</translation>
    </message>
    <message>
        <source>WeChat Pay did not accept the request. Check the order in the merchant platform.</source>
        <translation>WeChat Pay did not accept the request. Check the order in the merchant platform.</translation>
    </message>
    <message>
        <source>The order has changed meanwhile and no longer allows this. Refresh and look again.</source>
        <translation>The order has changed meanwhile and no longer allows this. Refresh and look again.</translation>
    </message>
    <message>
        <source>The printer did not take it. Check the printer.</source>
        <translation>The printer did not take it. Check the printer.</translation>
    </message>
    <message>
        <source>The file could not be saved there. Check that the USB drive is plugged in and not full.</source>
        <translation>The file could not be saved there. Check that the USB drive is plugged in and not full.</translation>
    </message>
    <message>
        <source>Something went wrong in the kiosk. Try again; the details are in the kiosk's log.</source>
        <translation>Something went wrong in the kiosk. Try again; the details are in the kiosk's log.</translation>
    </message>
    <message>
        <source>WeChat Pay bill for {0}: {1} rows, checked.</source>
        <translation>WeChat Pay bill for {0}: {1} rows, checked.</translation>
    </message>
    <message>
        <source>The bill for {0} is not available yet: the day has not ended.</source>
        <translation>The bill for {0} is not available yet: the day has not ended.</translation>
    </message>
    <message>
        <source>WeChat Pay is still preparing the bill for {0}; it is published the next morning (from {1}).</source>
        <translation>WeChat Pay is still preparing the bill for {0}; it is published the next morning (from {1}).</translation>
    </message>
    <message>
        <source>WeChat Pay keeps bills for three months only.</source>
        <translation>WeChat Pay keeps bills for three months only.</translation>
    </message>
    <message>
        <source>WeChat Pay has no bill for {0} yet. Try again later.</source>
        <translation>WeChat Pay has no bill for {0} yet. Try again later.</translation>
    </message>
    <message>
        <source>No WeChat Pay payments on {0}: there is no bill.</source>
        <translation>No WeChat Pay payments on {0}: there is no bill.</translation>
    </message>
    <message>
        <source>The bill for {0} arrived damaged and was not used. Try again later; if it happens again, call support.</source>
        <translation>The bill for {0} arrived damaged and was not used. Try again later; if it happens again, call support.</translation>
    </message>
    <message>
        <source>The bill for {0} did not add up and is not shown. Try again later; if it happens again, call support.</source>
        <translation>The bill for {0} did not add up and is not shown. Try again later; if it happens again, call support.</translation>
    </message>
    <message>
        <source>Orders: {0}</source>
        <translation>Orders: {0}</translation>
    </message>
    <message>
        <source>{0}: {1} · {2}</source>
        <translation>{0}: {1} · {2}</translation>
    </message>
    <message>
        <source>Payment codes not settled: {0} (see Orders for what to do).</source>
        <translation>Payment codes not settled: {0} (see Orders for what to do).</translation>
    </message>
    <message>
        <source>Payments after cancel to refund: {0} (see Orders).</source>
        <translation>Payments after cancel to refund: {0} (see Orders).</translation>
    </message>
    <message>
        <source>Refunds of {0} are in progress.</source>
        <translation>Refunds of {0} are in progress.</translation>
    </message>
    <message>
        <source>Refunds stuck: {0}. Handle them in the WeChat Pay merchant platform.</source>
        <translation>Refunds stuck: {0}. Handle them in the WeChat Pay merchant platform.</translation>
    </message>
    <message>
        <source>Refund {0}: {1} · {2} · {3}</source>
        <translation>Refund {0}: {1} · {2} · {3}</translation>
    </message>
    <message>
        <source>Order {0}</source>
        <translation>Order {0}</translation>
    </message>
    <message>
        <source>Full number: {0}</source>
        <translation>Full number: {0}</translation>
    </message>
    <message>
        <source>WeChat Pay number: {0}</source>
        <translation>WeChat Pay number: {0}</translation>
    </message>
    <message>
        <source>Paid by: {0}</source>
        <translation>Paid by: {0}</translation>
    </message>
    <message>
        <source>Charged: {0}</source>
        <translation>Charged: {0}</translation>
    </message>
    <message>
        <source>Paid: {0}</source>
        <translation>Paid: {0}</translation>
    </message>
    <message>
        <source>Nothing taken: {0}</source>
        <translation>Nothing taken: {0}</translation>
    </message>
    <message>
        <source>Not settled. {0}</source>
        <translation>Not settled. {0}</translation>
    </message>
    <message>
        <source>Paid after the sale was cancelled: {0}</source>
        <translation>Paid after the sale was cancelled: {0}</translation>
    </message>
    <message>
        <source>Still to refund: {0}</source>
        <translation>Still to refund: {0}</translation>
    </message>
    <message>
        <source>Refund {0}: {1} · {2}</source>
        <translation>Refund {0}: {1} · {2}</translation>
    </message>
    <message>
        <source>Amount: {0}</source>
        <translation>Amount: {0}</translation>
    </message>
    <message>
        <source>Fee: {0}</source>
        <translation>Fee: {0}</translation>
    </message>
    <message>
        <source>no record</source>
        <translation>no record</translation>
    </message>
    <message>
        <source>What to do: {0}</source>
        <translation>What to do: {0}</translation>
    </message>
    <message>
        <source>{0} ending {1}</source>
        <translation>{0} ending {1}</translation>
    </message>
    <message>
        <source>The payment server cannot be reached. Check the network and try again.</source>
        <translation>The payment server cannot be reached. Check the network and try again.</translation>
    </message>
    <message>
        <source>The payment server does not accept this kiosk. Ask whoever installed it to check its settings.</source>
        <translation>The payment server does not accept this kiosk. Ask whoever installed it to check its settings.</translation>
    </message>
    <message>
        <source>The payment server or WeChat Pay cannot be reached. Check the network and try again.</source>
        <translation>The payment server or WeChat Pay cannot be reached. Check the network and try again.</translation>
    </message>
    <message>
        <source>The payment server refused to fetch the bill. Ask whoever installed the kiosk to check its settings.</source>
        <translation>The payment server refused to fetch the bill. Ask whoever installed the kiosk to check its settings.</translation>
    </message>
    <message>
        <source>The customer may have paid; the payment server keeps cancelling it. Check it in the WeChat Pay merchant platform, then tap Re-query order.</source>
        <translation>The customer may have paid; the payment server keeps cancelling it. Check it in the WeChat Pay merchant platform, then tap Re-query order.</translation>
    </message>
    <message>
        <source>The customer's payment went through just as the sale was called off, and WeChat Pay gave all of it back.</source>
        <translation>The customer's payment went through just as the sale was called off, and WeChat Pay gave all of it back.</translation>
    </message>
    <message>
        <source>Refund number: {0}</source>
        <translation>Refund number: {0}</translation>
    </message>
    <message>
        <source>WeChat Pay: {0}</source>
        <translation>WeChat Pay: {0}</translation>
    </message>
    <message>
        <source>This kiosk: {0}</source>
        <translation>This kiosk: {0}</translation>
    </message>
    <message>
        <source>Time: {0}</source>
        <translation>Time: {0}</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>Unknown</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>Refund order {0}</source>
        <translation>Refund order {0}</translation>
    </message>
    <message>
        <source>Paid {0} · can be refunded {1}
Order number: {2}</source>
        <translation>Paid {0} · can be refunded {1}
Order number: {2}</translation>
    </message>
    <message>
        <source>Amount to refund (yuan)</source>
        <translation>Amount to refund (yuan)</translation>
    </message>
    <message>
        <source>All of it</source>
        <translation>All of it</translation>
    </message>
    <message>
        <source>Reason (the customer sees it in WeChat)</source>
        <translation>Reason (the customer sees it in WeChat)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>Refund {0}</source>
        <translation>Refund {0}</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Refund</translation>
    </message>
    <message>
        <source>The customer reads: {0}</source>
        <translation>The customer reads: {0}</translation>
    </message>
    <message>
        <source>Tap a reason.</source>
        <translation>Tap a reason.</translation>
    </message>
    <message>
        <source>Enter an amount more than 0 and at most {0}.</source>
        <translation>Enter an amount more than 0 and at most {0}.</translation>
    </message>
    <message>
        <source>Tap the reason for the refund.</source>
        <translation>Tap the reason for the refund.</translation>
    </message>
</context>
<context>
    <name>ZReportDialog</name>
    <message>
        <source>Z-report for {0}</source>
        <translation>Z-report for {0}</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Refunded</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>Net</translation>
    </message>
    <message>
        <source>Number of orders</source>
        <translation>Number of orders</translation>
    </message>
    <message>
        <source>Not printed yet. The Z-report is printed once a day.</source>
        <translation>Not printed yet. The Z-report is printed once a day.</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>Print</translation>
    </message>
    <message>
        <source>Printed at {0}. Another copy is marked REPRINT.</source>
        <translation>Printed at {0}. Another copy is marked REPRINT.</translation>
    </message>
    <message>
        <source>Print a copy</source>
        <translation>Print a copy</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancel</translation>
    </message>
</context>
</TS>
